package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
)

// RestoreOptions are barman-cloud-restore's.
type RestoreOptions struct {
	Server      string
	Backup      string            // a backup ID or a backup name
	Dest        string            // RECOVERY_DIR
	Tablespaces map[string]string // --tablespace NAME:LOCATION
	Jobs        int               // archives downloaded and extracted at once
	Log         Logger
}

// ErrNotEmpty: a destination exists and is not empty (Barman's
// "Destination %s already exists and it is not empty", exit 1).
var ErrNotEmpty = errors.New("already exists and it is not empty")

// ErrNoBackup: no backup.info for the backup ID (exit 1).
var ErrNoBackup = errors.New("does not exist")

// ErrUnknownName: the name matches no backup (Barman: an exception, exit 4).
var ErrUnknownName = errors.New("Unknown backup") //nolint:staticcheck // Barman's message

var backupIDPattern = regexp.MustCompile(`^\d{8}T\d{6}$`)

// ResolveBackup returns the ID of the backup an ID or name designates.
func ResolveBackup(ctx context.Context, st storage.Storage, server, idOrName string) (string, error) {
	if IsBackupID(idOrName) {
		return idOrName, nil
	}
	l := Layout{Server: server}
	var found string
	err := st.List(ctx, l.BasePrefix(), storage.ListOptions{Delimiter: "/"}, func(i storage.Info) error {
		if !i.Dir {
			return nil
		}
		id := path.Base(strings.TrimSuffix(i.Name, "/"))
		info, err := readBackupInfo(ctx, st, l, id)
		if err != nil || info == nil {
			return nil // unreadable: Barman warns and skips it
		}
		if info.BackupName() == idOrName {
			found = id
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if found == "" {
		return "", fmt.Errorf("%w '%s' for server '%s'", ErrUnknownName, idOrName, server)
	}
	return found, nil
}

// readBackupInfo reads a backup's backup.info; nil when there is none.
func readBackupInfo(ctx context.Context, st storage.Storage, l Layout, id string) (*catalog.BackupInfo, error) {
	data, err := storage.ReadAll(ctx, st, l.BackupInfo(id))
	if errors.Is(err, storage.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	info, err := catalog.ParseBackupInfo(strings.NewReader(string(data)), l.BackupInfo(id))
	if err != nil {
		return nil, err
	}
	info.ID = id
	return info, nil
}

// BackupArchive is one archive of a backup: its object, compression, and
// the directory it is extracted into.
type BackupArchive struct {
	Name   string // the object
	Algo   string
	Root   string // "data" or a tablespace oid
	Target string
}

var archiveExts = map[string]string{
	".tar": compress.None, ".tar.gz": compress.Gzip, ".tar.bz2": compress.Bzip2,
	".tar.snappy": compress.Snappy, ".tar.zst": compress.Zstd, ".tar.lz4": compress.LZ4,
}

// BackupFiles finds the archives of a backup as Barman's
// get_backup_files does: <root>.tar[.ext] and <root>_NNNN.tar[.ext] for
// "data" and every tablespace oid of backup.info; a root without its main
// archive is an error.
func BackupFiles(ctx context.Context, st storage.Storage, l Layout, info *catalog.BackupInfo, log Logger) ([]BackupArchive, error) {
	if log == nil {
		log = nopLogger{}
	}
	roots := []string{"data"}
	for _, t := range info.Tablespaces() {
		roots = append(roots, strconv.FormatUint(uint64(t.OID), 10))
	}
	dir := l.BackupDir(info.ID)
	main := map[string]bool{}
	var out []BackupArchive
	err := st.List(ctx, dir, storage.ListOptions{}, func(i storage.Info) error {
		rest := strings.TrimPrefix(i.Name, dir)
		if strings.Contains(rest, "/") {
			return nil
		}
		for _, root := range roots {
			suffix, ok := strings.CutPrefix(rest, root)
			if !ok || suffix == "" || (suffix[0] != '.' && suffix[0] != '_') {
				continue
			}
			isMain := suffix[0] == '.'
			ext := suffix
			if !isMain {
				n, e, ok := strings.Cut(suffix[1:], ".")
				if !ok || !isDigits(n) {
					continue
				}
				ext = "." + e
			}
			algo, known := archiveExts[ext]
			if !known {
				log.Warningf("Skipping unknown extension: %s", strings.TrimPrefix(ext, "."))
				continue
			}
			if isMain {
				main[root] = true
			}
			log.Infof("Found file from backup '%s' of server '%s': %s", info.ID, l.Server, i.Name)
			out = append(out, BackupArchive{Name: i.Name, Algo: algo, Root: root})
			break
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, root := range roots {
		if !main[root] {
			return nil, fmt.Errorf("missing file %s%s.* for server %s", dir, root, l.Server)
		}
	}
	return out, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Restore downloads a backup into opt.Dest (and its tablespaces into
// their locations, or those --tablespace gives), as Barman's
// barman-cloud-restore does, with opt.Jobs archives downloaded,
// decompressed and extracted at once. Every member is written inside its
// target directory only (names with "..", absolute names and symlinks
// leading out are refused), every object's checksum is verified to its
// end; on any failure what was written is removed again, so that no
// usable-looking data directory is left.
func Restore(ctx context.Context, st storage.Storage, opt RestoreOptions) error {
	if opt.Log == nil {
		opt.Log = nopLogger{}
	}
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	l := Layout{Server: opt.Server}
	id, err := ResolveBackup(ctx, st, opt.Server, opt.Backup)
	if err != nil {
		return err
	}
	info, err := readBackupInfo(ctx, st, l, id)
	if err != nil {
		return err
	}
	if info == nil {
		return fmt.Errorf("backup %s for server %s %w", id, opt.Server, ErrNoBackup)
	}
	if err := checkEmpty(opt.Dest); err != nil {
		return err
	}
	archives, err := BackupFiles(ctx, st, l, info, opt.Log)
	if err != nil {
		return err
	}
	targets := map[string]string{"data": opt.Dest}
	var links [][2]string // pg_tblspc/<oid> -> location
	for _, t := range info.Tablespaces() {
		loc := t.Location
		if reloc, ok := opt.Tablespaces[t.Name]; ok {
			if loc, err = filepath.Abs(reloc); err != nil {
				return err
			}
		}
		oid := strconv.FormatUint(uint64(t.OID), 10)
		opt.Log.Debugf("Tablespace %s (oid=%s) will be located at %s", t.Name, oid, loc)
		targets[oid] = loc
		links = append(links, [2]string{"pg_tblspc/" + oid, loc})
		if err := checkEmpty(loc); err != nil {
			return err
		}
	}
	for i := range archives {
		archives[i].Target = targets[archives[i].Root]
	}
	r := &restoreRun{opt: opt}
	if err := r.run(ctx, st, archives, links, info); err != nil {
		if cerr := r.cleanup(); cerr != nil {
			return fmt.Errorf("%w (and removing the partial restore failed: %v)", err, cerr)
		}
		return fmt.Errorf("%w (the partial restore was removed)", err)
	}
	return nil
}

// checkEmpty refuses a destination that exists and is not empty.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, os.ErrInvalid) {
			return fmt.Errorf("destination %s: %w", dir, err)
		}
	}
	if len(entries) > 0 {
		return fmt.Errorf("destination %s %w", dir, ErrNotEmpty)
	}
	return nil
}

// restoreRun is one restore in progress: the directories it writes to.
type restoreRun struct {
	opt     RestoreOptions
	created []string // target directories created by the restore
	used    []string // target directories that existed, empty
}

// prepare creates or opens each target directory.
func (r *restoreRun) prepare(dirs []string) (map[string]*os.Root, error) {
	roots := map[string]*os.Root{}
	for _, d := range dirs {
		if _, ok := roots[d]; ok {
			continue
		}
		if _, err := os.Lstat(d); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return roots, err
			}
			r.created = append(r.created, d)
		} else {
			r.used = append(r.used, d)
		}
		root, err := os.OpenRoot(d)
		if err != nil {
			return roots, err
		}
		roots[d] = root
	}
	return roots, nil
}

func (r *restoreRun) run(ctx context.Context, st storage.Storage, archives []BackupArchive, links [][2]string, info *catalog.BackupInfo) error {
	dirs := []string{r.opt.Dest}
	for _, a := range archives {
		dirs = append(dirs, a.Target)
	}
	roots, err := r.prepare(dirs)
	defer func() {
		for _, root := range roots {
			root.Close()
		}
	}()
	if err != nil {
		return err
	}
	exs := map[string]*extractor{}
	for d, root := range roots {
		exs[d] = newExtractor(root, d)
		exs[d].created = slices.Contains(r.created, d)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opt.Jobs)
	for _, a := range archives {
		g.Go(func() error {
			r.opt.Log.Debugf("Extracting %s to %s (%s)", a.Name, a.Target, describe(a.Algo))
			return extractObject(gctx, st, a, exs[a.Target])
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, ex := range exs {
		if err := ex.finish(); err != nil {
			return err
		}
	}
	dest := roots[r.opt.Dest]
	for _, ln := range links {
		if err := dest.MkdirAll("pg_tblspc", 0o700); err != nil {
			return err
		}
		if err := dest.Symlink(ln[1], ln[0]); err != nil {
			return fmt.Errorf("tablespace link %s: %w", filepath.Join(r.opt.Dest, ln[0]), err)
		}
	}
	// pg_wal is missing when it was a symlink on the server: recreate it.
	wal := "pg_wal"
	if v, ok := info.Version(); ok && v < 100000 {
		wal = "pg_xlog"
	}
	if _, err := dest.Lstat(wal); errors.Is(err, os.ErrNotExist) {
		if err := dest.Mkdir(wal, 0o700); err != nil {
			return err
		}
	}
	return nil
}

func describe(algo string) string {
	if algo == compress.None {
		return "no compression"
	}
	return "decompressing " + algo
}

// cleanup removes what a failed restore wrote: the directories it
// created, the content of those that were there empty.
func (r *restoreRun) cleanup() error {
	var errs []error
	for _, d := range r.created {
		errs = append(errs, os.RemoveAll(d))
	}
	for _, d := range r.used {
		entries, err := os.ReadDir(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			errs = append(errs, os.RemoveAll(filepath.Join(d, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// extractObject downloads, decompresses and extracts one archive, then
// reads the object to its end so that its checksum is verified even when
// the tar ended before the object did.
func extractObject(ctx context.Context, st storage.Storage, a BackupArchive, ex *extractor) error {
	rc, err := st.Open(ctx, a.Name)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec, err := compress.NewReader(rc, a.Algo)
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	defer dec.Close()
	if err := ex.extract(ctx, dec, a.Name); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	return nil
}
