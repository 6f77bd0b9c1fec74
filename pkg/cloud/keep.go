package cloud

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/storage"
)

// Keep targets (Barman's KeepManager.TARGET_*).
const (
	KeepFull       = "full"
	KeepStandalone = "standalone"
)

// loadKeeps lists the keep annotations of every backup at once, as
// Barman's annotation cache does: SERVER/base/ID/annotations/keep.
func (c *Catalog) loadKeeps(ctx context.Context) error {
	if c.keeps != nil {
		return nil
	}
	keeps := map[string]string{}
	var ids []string
	err := c.Store.List(ctx, c.Layout.BasePrefix(), storage.ListOptions{}, func(i storage.Info) error {
		parts := strings.Split(strings.TrimPrefix(i.Name, c.Layout.BasePrefix()), "/")
		if len(parts) == 3 && parts[1] == "annotations" && parts[2] == "keep" {
			ids = append(ids, parts[0])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list the keep annotations of server %s: %w", c.Layout.Server, err)
	}
	for _, id := range ids {
		target, ok, err := c.readKeep(ctx, id)
		if err != nil {
			return err
		}
		if ok {
			keeps[id] = target
		}
	}
	c.keeps = keeps
	return nil
}

// readKeep reads backup id's annotation from the store: its first line,
// as Barman reads it.
func (c *Catalog) readKeep(ctx context.Context, id string) (string, bool, error) {
	data, err := storage.ReadAll(ctx, c.Store, c.Layout.KeepAnnotation(id))
	if errors.Is(err, storage.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the keep annotation of backup %s: %w", id, err)
	}
	line, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
	return line, true, nil
}

// KeepTarget returns backup id's keep target and whether it has a keep
// annotation at all. As for Barman, an annotation with an empty target
// refuses a delete by ID but does not protect from the retention policy,
// and any target but "standalone" counts as "full".
func (c *Catalog) KeepTarget(ctx context.Context, id string) (string, bool, error) {
	if err := c.loadKeeps(ctx); err != nil {
		return "", false, err
	}
	t, ok := c.keeps[id]
	return t, ok, nil
}

// KeepStatus is the line barman-cloud-backup-keep --status prints.
func (c *Catalog) KeepStatus(ctx context.Context, id string) (string, error) {
	t, ok, err := c.readKeep(ctx, id)
	if err != nil {
		return "", err
	}
	if !ok || t == "" {
		t = "nokeep"
	}
	return "Keep: " + t, nil
}

// NotDoneError refuses to keep a backup that is not DONE.
type NotDoneError struct {
	ID     string
	Status catalog.Status
}

func (e *NotDoneError) Error() string {
	return fmt.Sprintf("Cannot add keep to backup %s because it has status %s. Only backups with status DONE can be kept.", e.ID, e.Status)
}

// NoBackupError is a backup ID that is not in the catalogue.
type NoBackupError struct{ ID, Server string }

func (e *NoBackupError) Error() string {
	return fmt.Sprintf("Backup %s for server %s does not exist", e.ID, e.Server)
}

// Keep writes backup id's keep annotation with target ("full" or
// "standalone"), as Barman writes it: the target without a newline. Only
// DONE backups can be kept.
func (c *Catalog) Keep(ctx context.Context, id, target string) error {
	if target != KeepFull && target != KeepStandalone {
		return fmt.Errorf("Unsupported recovery target: %s", target)
	}
	b := c.Get(id)
	if b == nil {
		return &NoBackupError{id, c.Layout.Server}
	}
	if b.Status() != catalog.StatusDone {
		return &NotDoneError{id, b.Status()}
	}
	if err := storage.Save(ctx, c.Store, c.Layout.KeepAnnotation(id), strings.NewReader(target), storage.CreateOptions{}); err != nil {
		return fmt.Errorf("write the keep annotation of backup %s: %w", id, err)
	}
	if c.keeps != nil {
		c.keeps[id] = target
	}
	return nil
}

// Release removes backup id's keep annotation (none is not an error).
func (c *Catalog) Release(ctx context.Context, id string) error {
	if err := c.Store.Remove(ctx, c.Layout.KeepAnnotation(id)); err != nil {
		return fmt.Errorf("remove the keep annotation of backup %s: %w", id, err)
	}
	delete(c.keeps, id)
	return nil
}
