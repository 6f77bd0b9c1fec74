package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/s3store"
	"github.com/gobarman/barman/pkg/walname"
)

// ErrRefused is wrapped by the errors of a WAL tool that refuses a file:
// a file that is not what its name says, another cluster's segment, an
// archived WAL with other content, a corrupt object. The store answered:
// the tools exit with 1.
var ErrRefused = errors.New("refused")

// ErrWALNotFound is wrapped by RestoreWAL's error when the archive does not
// hold the WAL file asked for.
var ErrWALNotFound = errors.New("WAL file not found")

// Logf is how the engine reports progress (the tools' INFO lines); nil
// drops them.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}

// refused is a refusal with a hint, wrapping ErrRefused.
type refused struct {
	msg  string
	hint string
	err  error
}

func (r *refused) Error() string {
	if r.hint == "" {
		return r.msg
	}
	return r.msg + ": " + r.hint
}

func (r *refused) Unwrap() []error { return []error{ErrRefused, r.err} }

func refuse(err error, hint, format string, args ...any) error {
	return &refused{msg: fmt.Sprintf(format, args...), hint: hint, err: err}
}

// walObject is an archived WAL file: its key and compression.
type walObject struct {
	Key  string
	Base string // the WAL file name without the compression suffix
	Algo string
}

// listWAL returns the objects of the hash directory whose names start
// with name, each with the base name and compression its suffix gives
// (names with an unknown suffix are left out).
func listWAL(ctx context.Context, st storage.Storage, l Layout, name string) ([]walObject, error) {
	prefix := l.WALDir(name) + name
	var objs []walObject
	err := st.List(ctx, prefix, storage.ListOptions{Delimiter: "/"}, func(info storage.Info) error {
		if info.Dir {
			return nil
		}
		base, algo := SplitExt(path.Base(info.Name))
		if walname.Classify(base) == walname.Unknown {
			return nil
		}
		objs = append(objs, walObject{Key: info.Name, Base: base, Algo: algo})
		return nil
	})
	return objs, err
}

// readWAL downloads and decompresses obj.
func readWAL(ctx context.Context, st storage.Storage, obj walObject) ([]byte, error) {
	r, err := st.Open(ctx, obj.Key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	dec, err := compress.NewReader(r, obj.Algo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", obj.Key, err)
	}
	defer dec.Close()
	data, err := io.ReadAll(dec)
	if err != nil {
		return nil, readError(obj, err)
	}
	return data, nil
}

// readError names the object a read failed on; content that does not
// decompress or does not match its checksum is a refusal.
func readError(obj walObject, err error) error {
	if isStoreError(err) {
		return err
	}
	return refuse(err, "the object is damaged: it cannot be restored from this archive",
		"%s: cannot read %s content: %v", obj.Key, algoName(obj.Algo), err)
}

func algoName(algo string) string {
	if algo == compress.None {
		return "uncompressed"
	}
	return algo
}

// isStoreError: err came from the store's requests (network, bucket,
// credentials), not from the content.
func isStoreError(err error) bool {
	if errors.Is(err, s3store.ErrCorrupt) {
		return false
	}
	var se *s3store.Error
	return errors.As(err, &se) || s3store.KindOf(err) == s3store.Network ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Identity is the archived cluster: what every segment must carry. It is
// kept in SERVER/identity.json, an object Barman does not read.
type Identity struct {
	SystemID    uint64 `json:"-"`
	SegmentSize uint64 `json:"segment_size"`
	// SystemIDText is SystemID as pg_controldata shows it (JSON numbers
	// of 64 bits do not survive every reader).
	SystemIDText string `json:"system_identifier"`
	Source       string `json:"source,omitempty"` // the segment it was taken from
}

// IdentityKey is the object holding the identity of the archived cluster.
func (l Layout) IdentityKey() string { return l.Server + "/identity.json" }

// LoadIdentity reads the identity of the cluster archived for l's server;
// ok is false when none is recorded.
func LoadIdentity(ctx context.Context, st storage.Storage, l Layout) (id Identity, ok bool, err error) {
	data, err := storage.ReadAll(ctx, st, l.IdentityKey())
	if errors.Is(err, storage.ErrNotExist) {
		return Identity{}, false, nil
	}
	if err != nil {
		return Identity{}, false, err
	}
	if err := json.Unmarshal(data, &id); err != nil {
		return Identity{}, false, fmt.Errorf("%s: %w (remove it: the next archived segment records it again)", l.IdentityKey(), err)
	}
	if id.SystemID, err = strconv.ParseUint(id.SystemIDText, 10, 64); err != nil || id.SystemID == 0 {
		return Identity{}, false, fmt.Errorf("%s: system_identifier %q is not a system identifier (remove it: the next archived segment records it again)", l.IdentityKey(), id.SystemIDText)
	}
	if err := walname.CheckSegmentSize(id.SegmentSize); err != nil {
		return Identity{}, false, fmt.Errorf("%s: %w (remove it: the next archived segment records it again)", l.IdentityKey(), err)
	}
	return id, true, nil
}

// saveIdentity records id unless an identity is recorded already; it
// returns the recorded one.
func saveIdentity(ctx context.Context, st storage.Storage, l Layout, id Identity) (Identity, error) {
	id.SystemIDText = strconv.FormatUint(id.SystemID, 10)
	data, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return Identity{}, err
	}
	err = storage.Save(ctx, st, l.IdentityKey(), bytes.NewReader(append(data, '\n')), storage.CreateOptions{IfNotExists: true})
	if errors.Is(err, storage.ErrExist) {
		got, ok, err := LoadIdentity(ctx, st, l)
		if err == nil && !ok {
			err = fmt.Errorf("%s: created by another writer, then removed", l.IdentityKey())
		}
		return got, err
	}
	return id, err
}
