package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Memory keeps blobs in memory, with Local's semantics: a blob being
// written is invisible until Commit. It is safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	blobs map[string]memBlob
}

type memBlob struct {
	data []byte
	mod  time.Time
}

// Create starts writing name into a buffer of its own.
func (m *Memory) Create(ctx context.Context, name string, opts CreateOptions) (Writer, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &memWriter{m: m, ctx: ctx, name: name, opts: opts}, nil
}

type memWriter struct {
	m    *Memory
	ctx  context.Context
	name string
	opts CreateOptions
	buf  bytes.Buffer
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("write after commit or abort")
	}
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.buf.Write(p)
}

func (w *memWriter) Commit() error {
	if w.done {
		return fmt.Errorf("write %s: already committed or aborted", w.name)
	}
	w.done = true
	if err := w.ctx.Err(); err != nil {
		return err
	}
	m := w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[w.name]; ok && w.opts.IfNotExists {
		return fmt.Errorf("%s: %w", w.name, ErrExist)
	}
	if m.blobs == nil {
		m.blobs = map[string]memBlob{}
	}
	m.blobs[w.name] = memBlob{data: bytes.Clone(w.buf.Bytes()), mod: time.Now()}
	return nil
}

func (w *memWriter) Abort() error {
	w.done = true
	w.buf = bytes.Buffer{}
	return nil
}

func (m *Memory) get(name string) (memBlob, error) {
	if err := ValidName(name); err != nil {
		return memBlob{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[name]
	if !ok {
		return memBlob{}, fmt.Errorf("%s: %w", name, ErrNotExist)
	}
	return b, nil
}

// Open returns a reader over the blob as it is now: blobs are never
// changed in place, only replaced.
func (m *Memory) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	b, err := m.get(name)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// Stat describes a blob.
func (m *Memory) Stat(ctx context.Context, name string) (Info, error) {
	b, err := m.get(name)
	if err != nil {
		return Info{}, err
	}
	return Info{Name: name, Size: int64(len(b.data)), ModTime: b.mod}, nil
}

// Remove deletes a blob.
func (m *Memory) Remove(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, name)
	return nil
}

// List calls fn for the blobs under prefix in name order.
func (m *Memory) List(ctx context.Context, prefix string, opts ListOptions, fn func(Info) error) error {
	if err := checkDelimiter(opts); err != nil {
		return err
	}
	m.mu.Lock()
	var infos []Info
	dirs := map[string]bool{}
	for name, b := range m.blobs {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if i := strings.Index(name[len(prefix):], "/"); opts.Delimiter != "" && i >= 0 {
			dirs[name[:len(prefix)+i+1]] = true
			continue
		}
		infos = append(infos, Info{Name: name, Size: int64(len(b.data)), ModTime: b.mod})
	}
	m.mu.Unlock()
	for d := range dirs {
		infos = append(infos, Info{Name: d, Dir: true})
	}
	sortInfos(infos)
	return each(infos, fn)
}
