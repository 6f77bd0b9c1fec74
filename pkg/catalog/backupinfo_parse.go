package catalog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseBackupInfo reads backup.info content from r; name is the file name
// used in errors. It follows Barman: blank lines and lines starting with
// "#" are skipped, the key and the value are stripped of spaces, the last
// of repeated keys wins. Unlike Barman, unknown keys are kept.
func ParseBackupInfo(r io.Reader, name string) (*BackupInfo, error) {
	b := &BackupInfo{values: make(map[string]string, 32)}
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if line != "" {
			if perr := b.parseLine(line); perr != nil {
				return nil, &ParseError{File: name, Line: n, Msg: perr.Error()}
			}
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
}

func (b *BackupInfo) parseLine(line string) error {
	if !utf8.ValidString(line) {
		return errors.New("line is not valid UTF-8")
	}
	if strings.TrimFunc(line, pyIsSpace) == "" || strings.HasPrefix(strings.TrimRightFunc(line, pyIsSpace), "#") {
		return nil
	}
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		return fmt.Errorf("invalid line %q: want key=value", strings.TrimFunc(line, pyIsSpace))
	}
	key, value = strings.TrimFunc(key, pyIsSpace), strings.TrimFunc(value, pyIsSpace)
	if err := checkKey(key); err != nil {
		return err
	}
	if value != pyNone {
		if err := checkField(key, value); err != nil {
			return err
		}
	}
	b.values[key] = value
	return nil
}

// pyIsSpace reports whether Python's str.strip() removes r.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || 0x1C <= r && r <= 0x1F
}

// checkKey accepts Python identifiers made of ASCII letters, digits and "_".
func checkKey(key string) error {
	ok := key != "" && !isDigit(key[0])
	for i := 0; ok && i < len(key); i++ {
		ok = isIdentByte(key[i]) && key[i] < 0x80
	}
	if !ok {
		return fmt.Errorf("invalid key %q", key)
	}
	return nil
}

// ReadBackupInfo reads a backup.info file. The backup ID is taken from the
// path: the directory of base/<ID>/backup.info, or the prefix of
// meta/<ID>-backup.info.
func ReadBackupInfo(path string) (*BackupInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read backup info: %w", err)
	}
	defer f.Close()
	b, err := ParseBackupInfo(f, path)
	if err != nil {
		return nil, err
	}
	b.ID = backupIDFromPath(path)
	return b, nil
}

func backupIDFromPath(path string) string {
	base := filepath.Base(path)
	if id, ok := strings.CutSuffix(base, "-backup.info"); ok {
		return id
	}
	return filepath.Base(filepath.Dir(path))
}
