package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/gobarman/barman/pkg/walstream"
)

// ServeStream is `barman put-wal --stream`: it receives files in the
// walstream protocol from r into incoming/ and answers on w. Files are
// written while earlier ones are made durable: whatever has arrived when
// the disk is free is fsynced as a group (one directory sync for the
// group), then acknowledged, so PostgreSQL is told a segment is archived
// only once it is on disk here. It returns nil when the client ends the
// stream and every file is acknowledged.
func (a *Archive) ServeStream(ctx context.Context, r io.Reader, w io.Writer) error {
	dir := a.Layout.IncomingDir()
	if err := fsutil.MkdirAllSync(dir, 0o755); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, walstream.Greeting)
	if err := bw.Flush(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan received, 8)
	commitErr := make(chan error, 1)
	go func() { commitErr <- a.commitStream(ctx, dir, queue, bw) }()

	rv := walstream.NewReceiver(r)
	recvErr := func() error {
		defer close(queue)
		for {
			in, err := rv.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if walname.Classify(in.Name) == walname.Unknown {
				return fmt.Errorf("put-wal stream holds %q, which is not a WAL file name", in.Name)
			}
			f, err := a.extractStream(dir, in)
			if err != nil {
				return err
			}
			select {
			case queue <- f:
			case <-ctx.Done():
				os.Remove(f.tmp)
				return ctx.Err()
			}
		}
	}()
	cerr := <-commitErr
	if recvErr != nil {
		if cerr == nil || errors.Is(cerr, context.Canceled) {
			walstream.WriteError(bw, "-", recvErr.Error())
			bw.Flush()
		}
		return recvErr
	}
	return cerr
}

// extractStream writes one incoming file to a temporary name (not yet
// fsynced) and checks its size and checksum.
func (a *Archive) extractStream(dir string, in *walstream.Incoming) (received, error) {
	f, err := writeTemp(dir, in.Name, in.Body, walstream.NewChecksum(), false)
	if err != nil {
		return f, err
	}
	want, err := in.Finish()
	if err == nil && want != f.sha {
		err = fmt.Errorf("checksum mismatch for %s: the file was damaged in transit; PostgreSQL will retry", in.Name)
	}
	if err != nil {
		os.Remove(f.tmp)
		return f, err
	}
	return f, nil
}

// commitStream makes the received files durable in groups and answers
// for each, in order.
func (a *Archive) commitStream(ctx context.Context, dir string, queue <-chan received, bw *bufio.Writer) error {
	fail := func(group []received, err error) error {
		for _, f := range group {
			os.Remove(f.tmp)
		}
		for f := range queue { // let the receiver stop, and leave nothing behind
			os.Remove(f.tmp)
		}
		return err
	}
	for f := range queue {
		group := []received{f}
	more:
		for len(group) < 32 {
			select {
			case g, ok := <-queue:
				if !ok {
					break more
				}
				group = append(group, g)
			default:
				break more
			}
		}
		for i, g := range group {
			if err := fsutil.FsyncPath(g.tmp); err != nil {
				walstream.WriteError(bw, g.name, err.Error())
				bw.Flush()
				return fail(group[i:], err)
			}
		}
		for i, g := range group {
			if err := a.place(dir, g); err != nil {
				walstream.WriteError(bw, g.name, err.Error())
				bw.Flush()
				return fail(group[i:], err)
			}
		}
		if err := fsutil.SyncDir(dir); err != nil {
			walstream.WriteError(bw, group[0].name, err.Error())
			bw.Flush()
			return fail(nil, err)
		}
		for _, g := range group {
			walstream.WriteOK(bw, g.name)
		}
		if err := bw.Flush(); err != nil {
			return fail(nil, fmt.Errorf("answer the client: %w", err))
		}
		a.log().Info("put-wal received", "server", a.Server, "files", len(group), "first", group[0].name)
		if ctx.Err() != nil {
			return fail(nil, ctx.Err())
		}
	}
	return nil
}
