package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Memory keeps blobs in memory. It is safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	blobs map[string]memBlob
}

type memBlob struct {
	data []byte
	mod  time.Time
}

// Save reads r whole, then stores it.
func (m *Memory) Save(ctx context.Context, name string, r io.Reader) error {
	if err := ValidName(name); err != nil {
		return err
	}
	data, err := io.ReadAll(readerCtx{ctx, r})
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blobs == nil {
		m.blobs = map[string]memBlob{}
	}
	m.blobs[name] = memBlob{data: data, mod: time.Now()}
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

// Open returns a reader over a copy-free view of the blob.
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
func (m *Memory) List(ctx context.Context, prefix string, fn func(Info) error) error {
	m.mu.Lock()
	var infos []Info
	for name, b := range m.blobs {
		if strings.HasPrefix(name, prefix) {
			infos = append(infos, Info{Name: name, Size: int64(len(b.data)), ModTime: b.mod})
		}
	}
	m.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	for _, in := range infos {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}
