package stream

import (
	"encoding/json"
	"io/fs"
	"testing"
)

func TestModeJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Mode
		ok   bool
	}{
		{`"0644"`, 0o644, true}, {`"644"`, 0o644, true}, {`"1777"`, 0o1777, true},
		{`"04755"`, 0o4755, true}, {`420`, 0o644, true}, {`null`, 0, true},
		{`"0"`, 0, true}, {`"10000"`, 0, false}, {`"0x1ff"`, 0, false}, {`""`, 0, false},
		{`"-644"`, 0, false}, {`"0o644"`, 0, false}, {`-1`, 0, false}, {`6.5`, 0, false},
		{`true`, 0, false}, {`4096`, 0, false},
	} {
		var m Mode
		err := json.Unmarshal([]byte(c.in), &m)
		if (err == nil) != c.ok || m != c.want {
			t.Errorf("%s: got %v, %v", c.in, m, err)
		}
	}
	b, _ := json.Marshal(Mode(0o640))
	if string(b) != `"0640"` {
		t.Errorf("got %s", b)
	}
}

func TestModeFileMode(t *testing.T) {
	for _, fm := range []fs.FileMode{0o644, 0o755 | fs.ModeSetuid, 0o777 | fs.ModeSticky, 0o2750&^0o2000 | fs.ModeSetgid} {
		m := ModeOf(fm | fs.ModeDir)
		if m.FileMode() != fm {
			t.Errorf("%v → %v → %v", fm, m, m.FileMode())
		}
	}
	if got := ModeOf(0o755 | fs.ModeSetuid | fs.ModeSticky).String(); got != "5755" {
		t.Errorf("got %s", got)
	}
}
