// Command barman-cloud: the barman-cloud-* tools in one binary, run by the
// name it is called by (make build links each barman-cloud-* name to it)
// or by its first argument.
package main

import (
	"os"

	"github.com/gobarman/barman/internal/cli/cloud"
)

func main() {
	os.Exit(cloud.Main(os.Args[0], os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
