package barman

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
)

// GetWALCmd is `barman get-wal SERVER WAL_NAME`.
type GetWALCmd struct {
	OutputDirectory string `short:"o" name:"output-directory" placeholder:"DIR" help:"Write the file into DIR instead of standard output."`
	Partial         bool   `short:"P" help:"Also return a .partial file from the streaming directory."`
	Gzip            bool   `short:"z" aliases:"x" help:"Send the file gzip-compressed."`
	Bzip2           bool   `short:"j" help:"Send the file bzip2-compressed."`
	KeepCompression bool   `name:"keep-compression" help:"Send the file as stored, compressed or not."`
	Peek            int    `short:"p" help:"Print the names of up to N archived WAL files from WAL_NAME on, instead of the file."`
	Test            bool   `short:"t" help:"Only say whether WAL can be retrieved."`
	Server          string `arg:"" help:"Server name."`
	WAL             string `arg:"" name:"wal_name" help:"WAL file name."`
}

// Run writes the WAL file decompressed (unless asked otherwise).
func (c *GetWALCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	a := servers[0].Archive(env.Log)
	switch {
	case c.Test:
		env.Out.Info("Ready to retrieve WAL files from the server %s", a.Server)
		return nil
	case walname.Classify(c.WAL) == walname.Unknown:
		return &clikit.ExitError{Code: 3, Err: fmt.Errorf("%q is not a WAL file name", c.WAL)}
	case c.Peek > 0:
		return c.peek(env, a)
	}
	if c.OutputDirectory != "" {
		return fsutil.WriteAtomic(filepath.Join(c.OutputDirectory, c.WAL), 0o600, func(w io.Writer) error { return c.send(a, w) })
	}
	return c.send(a, env.Out.Stdout())
}

func (c *GetWALCmd) send(a *archive.Archive, w io.Writer) error {
	o := archive.SendOptions{Partial: c.Partial, Stored: c.KeepCompression}
	if c.Gzip {
		o.Recompress = "gzip"
	} else if c.Bzip2 {
		o.Recompress = "bzip2"
	}
	err := a.Send(w, c.WAL, o)
	if errors.Is(err, os.ErrNotExist) {
		return clikit.WithHint(err, "'barman list-files --target wal' lists the archived WAL files")
	}
	return err
}

// peek prints up to N archived names from WAL on (Barman's --peek).
func (c *GetWALCmd) peek(env *Env, a *archive.Archive) error {
	names, err := a.Peek(c.WAL, c.Peek)
	for _, n := range names {
		env.Out.Line("%s", n)
	}
	return err
}
