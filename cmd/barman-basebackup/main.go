// Command barman-basebackup: copy a PostgreSQL base backup and write its manifest as backup_file records.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/basebackup"
)

func main() {
	os.Exit(basebackup.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
