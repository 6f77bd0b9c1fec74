// Command barman-wal-ingest: validate WAL files arriving in incoming/ or streaming/ and place them durably in the archive.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/walingest"
)

func main() {
	os.Exit(walingest.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
