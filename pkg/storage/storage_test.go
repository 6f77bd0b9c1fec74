package storage_test

import (
	"testing"

	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/storagetest"
)

func TestLocal(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage { return &storage.Local{Root: t.TempDir()} })
}

func TestMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage { return &storage.Memory{} })
}
