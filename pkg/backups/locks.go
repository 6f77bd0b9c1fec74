package backups

import "github.com/gobarman/barman/pkg/lock"

// BackupLockFile is Barman's lock on one backup (".<server>-<ID>.lock"):
// whoever changes or deletes the backup holds it.
func BackupLockFile(lockDir, server, id string) string { return lock.File(lockDir, server, id) }

// RecoverLockFile is the lock a recovery from backup id holds while it
// reads the backup (".<server>-<ID>-recover.lock"; Barman has none).
// delete skips a backup whose recover lock is held, and holds it while
// deleting, so that no recovery starts from a backup being deleted.
func RecoverLockFile(lockDir, server, id string) string {
	return lock.File(lockDir, server, id+"-recover")
}
