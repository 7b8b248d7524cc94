// Every text the backup card shows, in Indonesian (the default) and English. The Indonesian texts are
// KostMan's: "Backup Sekarang", "Riwayat Backup", "Hapus Backup Lama?", "Backup berhasil dibuat", …

export type CardLocale = 'id' | 'en'

export interface CardTexts {
  /** BCP 47 tag for numbers and dates. */
  intl: string
  title: string
  description: string
  backupNow: string
  backingUp: string
  preparing: string
  downloading: string
  showHistory: string
  hideHistory: string
  cleanup: string
  cleaning: string
  historyTitle: string
  historyLoading: string
  historyEmpty: string
  historyCount: (shown: number, total: number) => string
  refresh: string
  manual: string
  scheduled: string
  pinned: string
  /** The badge of a partial backup (a selection of tables, or definitions or rows only), and its tooltip. */
  partial: string
  partialTitle: string
  /** The badge of a backup the server would refuse to use (`trusted: false`), and its tooltip by `signature`. */
  untrusted: string
  untrustedTitle: (signature: string | undefined) => string
  /** The copies line of a backup with replicas: how many are in place, failed, pending. */
  copies: (ok: number, failed: number, pending: number) => string
  by: (who: string) => string
  /** A base backup of the change archive: the newest point it can be restored to. */
  recoverable: (until: string) => string
  /** …when nothing is archived after it yet. */
  recoverableNone: string
  /** The tooltip: the whole window and how many segments hold it. */
  recoverableTitle: (from: string, until: string, segments: number) => string
  download: string
  downloadLabel: (filename: string) => string
  /** The tooltip of the disabled Download of a backup the server would refuse (`trusted: false`). */
  downloadUntrusted: string
  progressLabel: string
  progressTable: (table: string) => string
  progressBytes: (done: string, total?: string) => string
  confirmTitle: string
  confirmBody: (days?: number) => string
  confirmYes: string
  confirmNo: string
  backupOk: string
  backupFailed: (reason: string) => string
  cleanupOk: (deleted: number) => string
  cleanupFailed: (reason: string) => string
  downloadFailed: (reason: string) => string
  historyFailed: (reason: string) => string
  unauthorized: string
  forbiddenBackup: string
  forbidden: string
  rateLimited: (minutes?: number) => string
  busy: string
  network: string
  unknown: (status: number) => string
  close: string
  notifications: string
  tipsTitle: string
  tips: string[]
}

const id: CardTexts = {
  intl: 'id-ID',
  title: 'Backup Database',
  description: 'Buat salinan lengkap database (format .sql.gz) dan unduh ke komputer Anda. Salinannya juga disimpan di penyimpanan backup.',
  backupNow: 'Backup Sekarang',
  backingUp: 'Membuat backup…',
  preparing: 'Menyiapkan backup…',
  downloading: 'Mengunduh file backup…',
  showHistory: 'Lihat Riwayat',
  hideHistory: 'Sembunyikan Riwayat',
  cleanup: 'Bersihkan Backup Lama',
  cleaning: 'Membersihkan…',
  historyTitle: 'Riwayat Backup',
  historyLoading: 'Memuat riwayat…',
  historyEmpty: 'Belum ada backup.',
  historyCount: (shown, total) => `Menampilkan ${shown} dari ${total} backup`,
  refresh: 'Muat ulang',
  manual: 'Manual',
  scheduled: 'Terjadwal',
  pinned: 'Disematkan',
  partial: 'Sebagian',
  partialTitle: 'Backup sebagian: hanya tabel yang dipilih, atau hanya struktur atau hanya data. Backup lengkap terbaru selalu disimpan.',
  untrusted: 'Tidak tepercaya',
  untrustedTitle: (signature) =>
    `${
      signature === 'tampered'
        ? 'Manifest backup ini telah diubah: tidak cocok dengan tanda tangannya.'
        : signature === 'unknown-key'
          ? 'Backup ini ditandatangani dengan kunci yang tidak dikonfigurasi di server.'
          : signature === 'unsigned'
            ? 'Backup ini tidak ditandatangani, padahal tanda tangan diwajibkan.'
            : signature === 'no-member-checksums'
              ? 'Manifest backup ini ditandatangani tanpa checksum isinya, sehingga isinya tidak dapat diperiksa.'
              : 'Tanda tangan backup ini tidak dapat dipastikan.'
    } Backup ini tidak akan dipulihkan, diverifikasi, atau diunduh.`,
  copies: (ok, failed, pending) => [`${ok} salinan`, failed ? `${failed} gagal` : '', pending ? `${pending} menunggu` : ''].filter(Boolean).join(', '),
  by: (who) => `oleh ${who}`,
  recoverable: (until) => `dapat dipulihkan hingga ${until}`,
  recoverableNone: 'arsip perubahan masih kosong',
  recoverableTitle: (from, until, segments) => `Dapat dipulihkan ke titik waktu mana pun dari ${from} hingga ${until} (${segments} segmen arsip perubahan)`,
  download: 'Download',
  downloadLabel: (filename) => `Download ${filename}`,
  downloadUntrusted: 'Backup yang tidak tepercaya tidak dapat diunduh: server menolak memakainya.',
  progressLabel: 'Kemajuan backup',
  progressTable: (table) => `Tabel ${table}`,
  progressBytes: (done, total) => (total ? `${done} dari ${total}` : done),
  confirmTitle: 'Hapus Backup Lama?',
  confirmBody: (days) =>
    `${days ? `Backup yang lebih lama dari ${days} hari` : 'Backup yang melewati masa simpan'} akan dihapus permanen dari penyimpanan. Backup terbaru yang berhasil dan backup yang disematkan tetap disimpan.`,
  confirmYes: 'Ya, Hapus',
  confirmNo: 'Batal',
  backupOk: 'Backup berhasil dibuat',
  backupFailed: (reason) => `Backup gagal: ${reason}`,
  cleanupOk: (deleted) => (deleted === 0 ? 'Tidak ada backup lama yang perlu dihapus' : `${deleted} backup lama dihapus`),
  cleanupFailed: (reason) => `Gagal membersihkan backup: ${reason}`,
  downloadFailed: (reason) => `Download gagal: ${reason}`,
  historyFailed: (reason) => `Gagal memuat riwayat: ${reason}`,
  unauthorized: 'Sesi Anda telah berakhir. Silakan masuk kembali.',
  forbiddenBackup: 'Hanya administrator yang dapat membuat backup',
  forbidden: 'Hanya administrator yang dapat mengelola backup',
  rateLimited: (minutes) =>
    minutes ? `Batas backup manual tercapai. Coba lagi dalam ${minutes} menit.` : 'Batas backup manual tercapai. Coba lagi nanti.',
  busy: 'Backup lain sedang berjalan. Tunggu hingga selesai.',
  network: 'Tidak dapat terhubung ke server',
  unknown: (status) => `Kesalahan server (${status})`,
  close: 'Tutup',
  notifications: 'Notifikasi backup',
  tipsTitle: 'Tips',
  tips: [
    'Buat backup sebelum perubahan besar, misalnya impor data penghuni atau pembaruan aplikasi.',
    'Simpan file .sql.gz di tempat yang aman dan terpisah dari server.',
    'Backup terjadwal berjalan otomatis dan ditandai "Terjadwal" di riwayat.',
    'Bersihkan backup lama secara berkala agar penyimpanan tidak penuh.',
  ],
}

const en: CardTexts = {
  intl: 'en-GB',
  title: 'Database backup',
  description: 'Create a complete copy of the database (.sql.gz) and download it to your computer. The copy is also kept in backup storage.',
  backupNow: 'Back up now',
  backingUp: 'Creating backup…',
  preparing: 'Preparing backup…',
  downloading: 'Downloading the backup file…',
  showHistory: 'Show history',
  hideHistory: 'Hide history',
  cleanup: 'Clean up old backups',
  cleaning: 'Cleaning up…',
  historyTitle: 'Backup history',
  historyLoading: 'Loading history…',
  historyEmpty: 'No backups yet.',
  historyCount: (shown, total) => `Showing ${shown} of ${total} backups`,
  refresh: 'Reload',
  manual: 'Manual',
  scheduled: 'Scheduled',
  pinned: 'Pinned',
  partial: 'Partial',
  partialTitle: 'A partial backup: only the chosen tables, or definitions or rows only. The newest full backup is always kept.',
  untrusted: 'Untrusted',
  untrustedTitle: (signature) =>
    `${
      signature === 'tampered'
        ? 'This backup\'s manifest was changed: it does not match its signature.'
        : signature === 'unknown-key'
          ? 'This backup is signed with a key the server does not have.'
          : signature === 'unsigned'
            ? 'This backup is unsigned, and signatures are required.'
            : signature === 'no-member-checksums'
              ? 'This backup\'s manifest is signed without the checksums of its contents, so its contents cannot be checked.'
              : 'This backup\'s signature could not be confirmed.'
    } It will not be restored, verified or downloaded.`,
  copies: (ok, failed, pending) => [`${ok} ${ok === 1 ? 'copy' : 'copies'}`, failed ? `${failed} failed` : '', pending ? `${pending} pending` : ''].filter(Boolean).join(', '),
  by: (who) => `by ${who}`,
  recoverable: (until) => `recoverable up to ${until}`,
  recoverableNone: 'change archive still empty',
  recoverableTitle: (from, until, segments) => `Can be restored to any point from ${from} to ${until} (${segments} change archive segment${segments === 1 ? '' : 's'})`,
  download: 'Download',
  downloadLabel: (filename) => `Download ${filename}`,
  downloadUntrusted: 'An untrusted backup cannot be downloaded: the server refuses to use it.',
  progressLabel: 'Backup progress',
  progressTable: (table) => `Table ${table}`,
  progressBytes: (done, total) => (total ? `${done} of ${total}` : done),
  confirmTitle: 'Delete old backups?',
  confirmBody: (days) =>
    `${days ? `Backups older than ${days} days` : 'Backups past their retention period'} will be deleted from storage for good. The newest good backup and pinned backups are always kept.`,
  confirmYes: 'Yes, delete',
  confirmNo: 'Cancel',
  backupOk: 'Backup created',
  backupFailed: (reason) => `Backup failed: ${reason}`,
  cleanupOk: (deleted) => (deleted === 0 ? 'No old backups to delete' : `${deleted} old backup${deleted === 1 ? '' : 's'} deleted`),
  cleanupFailed: (reason) => `Cleanup failed: ${reason}`,
  downloadFailed: (reason) => `Download failed: ${reason}`,
  historyFailed: (reason) => `Could not load the history: ${reason}`,
  unauthorized: 'Your session has ended. Please sign in again.',
  forbiddenBackup: 'Only administrators can create backups',
  forbidden: 'Only administrators can manage backups',
  rateLimited: (minutes) =>
    minutes ? `Manual backup limit reached. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` : 'Manual backup limit reached. Try again later.',
  busy: 'Another backup is running. Wait until it has finished.',
  network: 'Cannot reach the server',
  unknown: (status) => `Server error (${status})`,
  close: 'Close',
  notifications: 'Backup notifications',
  tipsTitle: 'Tips',
  tips: [
    'Back up before big changes, such as importing tenant data or updating the app.',
    'Keep the .sql.gz files somewhere safe, away from the server.',
    'Scheduled backups run on their own and are marked "Scheduled" in the history.',
    'Clean up old backups now and then so that storage does not fill up.',
  ],
}

export function cardTexts(locale: string | undefined): CardTexts {
  return locale === 'en' ? en : id
}
