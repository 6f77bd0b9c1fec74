package archive

import (
	"archive/tar"
	"bufio"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
)

// The put-wal protocol (Barman's barman-wal-archive → barman put-wal): a
// tar stream of regular files and a SHA256SUMS (or MD5SUMS) file in
// sha256sum format. Each file is written to incoming/ and kept only when
// its checksum matches; it is durable before put-wal exits 0.

// received is a file extracted to a temporary name.
type received struct {
	name, tmp string
	sha, md5  string // hex: SHA-256 (put-wal tar), CRC-32C (put-wal --stream); MD5 if asked
}

// Receive reads a put-wal tar stream into the incoming directory and
// returns the names stored. Nothing becomes visible under its real name
// unless the whole stream was read and its checksum verified.
//
// The stream may come compressed as a whole (gzip, lz4 or zstd, found by
// its magic bytes: barman-wal-ingest push --compress); a tar stream
// starts with a file name, never with one of those.
func (a *Archive) Receive(r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(8); len(head) > 0 {
		switch algo := compress.Detect(head); algo {
		case compress.Gzip, compress.LZ4, compress.Zstd:
			zr, err := compress.NewReader(br, algo)
			if err != nil {
				return nil, fmt.Errorf("read put-wal stream (%s): %w", algo, err)
			}
			defer zr.Close()
			return a.receive(zr)
		}
	}
	return a.receive(br)
}

func (a *Archive) receive(r io.Reader) ([]string, error) {
	dir := a.Layout.IncomingDir()
	if err := fsutil.MkdirAllSync(dir, 0o755); err != nil {
		return nil, err
	}
	var files []received
	defer func() {
		for _, f := range files {
			os.Remove(f.tmp)
		}
	}()
	sums := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read put-wal stream: %w (the sender was cut off; PostgreSQL will retry)", err)
		}
		switch {
		case h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "/"):
			return nil, fmt.Errorf("put-wal stream holds %q: only plain files are accepted", h.Name)
		case h.Name == "SHA256SUMS" || h.Name == "MD5SUMS":
			if err := readSums(tr, sums); err != nil {
				return nil, err
			}
		case walname.Classify(h.Name) == walname.Unknown:
			return nil, fmt.Errorf("put-wal stream holds %q, which is not a WAL file name", h.Name)
		default:
			f, err := extract(dir, h.Name, tr)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
	}
	return a.keep(dir, files, sums)
}

func readSums(r io.Reader, sums map[string]string) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			return fmt.Errorf("bad checksum line %q in put-wal stream", sc.Text())
		}
		sums[strings.TrimPrefix(f[1], "*")] = strings.ToLower(f[0])
	}
	return sc.Err()
}

// extract writes one file to a hidden temporary name, fsynced.
func extract(dir, name string, r io.Reader) (received, error) {
	return writeTemp(dir, name, r, sha256.New(), true)
}

// writeTemp writes r to a hidden temporary name in dir, hashing it with
// h into sha, fsynced if sync. On error nothing is left behind.
func writeTemp(dir, name string, r io.Reader, h hash.Hash, sync bool) (received, error) {
	f := received{name: name, tmp: filepath.Join(dir, fmt.Sprintf(".%d-%s", os.Getpid(), name))}
	out, err := os.OpenFile(f.tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return f, err
	}
	src := &readErr{r: r}
	_, err = io.CopyBuffer(io.MultiWriter(out, h), src, make([]byte, 1<<20))
	switch {
	case err != nil && src.err != nil:
		err = fmt.Errorf("receive %s: %w (the sender was cut off; PostgreSQL will retry)", name, err)
	case err != nil:
		err = fmt.Errorf("write %s: %w", f.tmp, err)
	case sync:
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.tmp)
		return f, err
	}
	f.sha = hex.EncodeToString(h.Sum(nil))
	return f, nil
}

// readErr remembers a read error, to tell a cut-off sender from a
// failing disk.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// keep verifies checksums and renames the files into place.
func (a *Archive) keep(dir string, files []received, sums map[string]string) ([]string, error) {
	if len(files) == 0 {
		return nil, errors.New("put-wal stream holds no WAL file")
	}
	for i := range files {
		f := &files[i]
		want, ok := sums[f.name]
		if !ok {
			return nil, fmt.Errorf("put-wal stream has no checksum for %s", f.name)
		}
		if len(want) == 2*md5.Size && f.md5 == "" { // legacy MD5SUMS: hash again
			p, err := os.Open(f.tmp)
			if err != nil {
				return nil, err
			}
			f.md5, err = hashOf(md5.New(), p)
			p.Close()
			if err != nil {
				return nil, err
			}
		}
		if want != f.sha && want != f.md5 {
			return nil, fmt.Errorf("checksum mismatch for %s: the file was damaged in transit; PostgreSQL will retry", f.name)
		}
	}
	var names []string
	for _, f := range files {
		if err := a.place(dir, f); err != nil {
			return names, err
		}
		names = append(names, f.name)
	}
	return names, fsutil.SyncDir(dir)
}

// place renames a verified file into incoming/; an existing file of the
// same name (there before, or placed meanwhile by another put-wal: the
// rename never replaces) is kept, and the new one is dropped when
// identical, else moved to errors/.
func (a *Archive) place(dir string, f received) error {
	dst := filepath.Join(dir, f.name)
	err := fsutil.RenameNoReplace(f.tmp, dst)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if same, err := fsutil.SameFiles(dst, f.tmp); err == nil && same {
		return os.Remove(f.tmp)
	}
	moved, err := a.Reject(f.tmp, "duplicate")
	a.log().Warn("put-wal received a different copy of a file already in incoming", "server", a.Server, "file", f.name, "moved_to", moved)
	return err
}

func hashOf(h hash.Hash, r io.Reader) (string, error) {
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteTar writes the put-wal stream for one file: its content (read from
// r, size bytes) then SHA256SUMS. It streams: nothing is held in memory.
func WriteTar(w io.Writer, name string, r io.Reader, size int64, mtime int64) error {
	tw := tar.NewWriter(w)
	h := &tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if mtime > 0 {
		h.ModTime = unixTime(mtime)
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	sh := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, sh), r)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("%s changed size while being sent (%d of %d bytes)", name, n, size)
	}
	sums := []byte(hex.EncodeToString(sh.Sum(nil)) + "  " + name + "\n")
	if err := tw.WriteHeader(&tar.Header{Name: "SHA256SUMS", Mode: 0o600, Size: int64(len(sums)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if _, err := tw.Write(sums); err != nil {
		return err
	}
	return tw.Close()
}
