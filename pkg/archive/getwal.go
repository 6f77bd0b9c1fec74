package archive

import (
	"io"
	"sort"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walname"
)

// SendOptions say how Send gives a WAL file (`barman get-wal`).
type SendOptions struct {
	Partial bool // also a .partial file of the streaming directory
	Stored  bool // as stored, compressed or not (--keep-compression)
	// Recompress is "gzip" or "bzip2" to send the file compressed with
	// it (-z, -j); "" sends it decompressed.
	Recompress string
}

// Send writes the WAL file name to w as o says.
func (a *Archive) Send(w io.Writer, name string, o SendOptions) error {
	open := a.Open
	if o.Stored {
		open = a.OpenStored
	}
	r, err := open(name, o.Partial)
	if err != nil {
		return err
	}
	defer r.Close()
	if o.Recompress == "" {
		_, err = io.Copy(w, r)
		return err
	}
	cw, err := compress.NewWriter(w, o.Recompress, compress.DefaultLevel)
	if err != nil {
		return err
	}
	if _, err := io.Copy(cw, r); err != nil {
		cw.Close()
		return err
	}
	return cw.Close()
}

// Peek returns up to n archived segment names from name on, in order
// (`barman get-wal --peek`).
func (a *Archive) Peek(name string, n int) ([]string, error) {
	names, err := a.Catalogued()
	if err != nil {
		return nil, err
	}
	var list []string
	for s := range names {
		if s >= name && walname.Classify(s) == walname.Segment {
			list = append(list, s)
		}
	}
	sort.Strings(list)
	return list[:min(n, len(list))], nil
}
