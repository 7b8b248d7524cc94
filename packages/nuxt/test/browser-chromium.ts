// The browser of the browser test: the machine's Chromium (Debian's `chromium` package), found on the
// PATH or named by PGKEEP_CHROMIUM, driven by playwright-core. Playwright's own browser downloads are
// never used; without a Chromium the test fails and says how to install one.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

/** Flags for a headless run in a container: no sandbox (root), no GPU, nothing that phones home. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The Chromium executable, or an explanation of how to get one. */
export function findChromium(): string {
  const named = process.env.PGKEEP_CHROMIUM
  if (named) {
    if (existsSync(named)) return named
    throw new Error(`PGKEEP_CHROMIUM names ${named}, which does not exist`)
  }
  for (const name of CANDIDATES) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      if (path) return path
    } catch {
      // not this one
    }
  }
  throw new Error(
    'the browser test needs Chromium, and none was found on the PATH (chromium, chromium-browser, google-chrome). ' +
      'Install Debian\'s package with `apt-get install -y chromium` (pnpm test does this when it runs as root), ' +
      'or set PGKEEP_CHROMIUM to a Chromium or Chrome executable.',
  )
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: ARGS, headless: true })
}
