// The audit trail's download events of one actor, waited for: a download is audited once its stream
// closed, a moment after the client got its last byte.
import type { AuditEvent, BackupManager } from '../../src/index'

/** The `download` events of `actor`, once there are `count` of them or `ms` passed. */
export async function downloadsBy(manager: BackupManager, actor: string, count: number, ms = 5000): Promise<AuditEvent[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const mine = (await manager.auditLog({ action: 'download' })).filter((e) => e.actor === actor)
    if (mine.length >= count || Date.now() > deadline) return mine
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
