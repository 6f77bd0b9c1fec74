package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/server"
)

// TestOptions: options as Barman shows them: unset -> None, booleans as
// booleans, passwords masked.
func TestOptions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "\n[pg]\nconninfo = host=pg password=s3cret\nactive = false\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	o := Options(s)
	if c, _ := o["conninfo"].(string); c == "" || strings.Contains(c, "s3cret") {
		t.Errorf("password shown: %v", o["conninfo"])
	}
	if o["active"] != false || o["description"] != nil || o["name"] != "pg" {
		t.Errorf("active %v, description %v, name %v", o["active"], o["description"], o["name"])
	}
	if Nullable("") != nil || Nullable("x") != "x" {
		t.Error("Nullable")
	}
}
