// Command barman-wal-compress: compress or decompress WAL files, as a filter or over a stream of wal_file records.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/walcompress"
)

func main() {
	os.Exit(walcompress.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
