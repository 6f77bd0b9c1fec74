// Command barman is the backup and recovery manager for PostgreSQL.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/barman"
)

func main() {
	os.Exit(barman.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
