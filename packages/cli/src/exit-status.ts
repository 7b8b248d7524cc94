// A command that ends with a status other than 0 without having failed (`pgkeep diff --exit-code`
// when the two differ): thrown by the action, turned into the exit code by runCli, nothing printed.
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`)
    this.name = 'ExitStatus'
  }
}
