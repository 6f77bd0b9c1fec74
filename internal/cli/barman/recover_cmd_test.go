package barman

import (
	"strings"
	"testing"
)

// TestRecoverOptions: the flags become the job's options; of a --x/--no-x
// pair given both, --get-wal and --delta-restore win, and
// --no-network-compression.
func TestRecoverOptions(t *testing.T) {
	c := RecoverCmd{GetWAL: true, NoGetWAL: true, Delta: true, NoDelta: true, NetCompression: true, NoNetCompress: true,
		Tablespace: []string{"tbs1:/srv/tbs1"}, TargetName: "rp1", Jobs: 3, Bwlimit: 10}
	o, err := c.options()
	if err != nil {
		t.Fatal(err)
	}
	if !*o.GetWAL || !*o.Delta || *o.NetworkCompression {
		t.Errorf("get-wal %v, delta %v, network compression %v; want true, true, false", *o.GetWAL, *o.Delta, *o.NetworkCompression)
	}
	if o.Relocate["tbs1"] != "/srv/tbs1" || o.Target.Name != "rp1" || o.Jobs != 3 || o.Bwlimit != 10 {
		t.Errorf("options %+v", o)
	}
	o, err = (&RecoverCmd{NoGetWAL: true}).options()
	if err != nil || o.GetWAL == nil || *o.GetWAL || o.Delta != nil || o.NetworkCompression != nil {
		t.Errorf("--no-get-wal alone: %+v, %v; want get-wal off, the rest from the configuration", o, err)
	}
	if _, err := (&RecoverCmd{Tablespace: []string{"tbs1"}}).options(); err == nil || !strings.Contains(err.Error(), "want NAME:LOCATION") {
		t.Errorf("--tablespace tbs1: %v", err)
	}
}
