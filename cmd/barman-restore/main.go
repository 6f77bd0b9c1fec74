// Command barman-restore: write the files of a backup's manifest records to a destination, checking each checksum.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/restore"
)

func main() {
	os.Exit(restore.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
