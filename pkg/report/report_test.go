package report

import "testing"

func TestRecorder(t *testing.T) {
	var r Recorder
	var rep Reporter = &r
	rep.Info("backup %s", "20261203T120000")
	rep.Warning("%d file(s) vanished", 2)
	rep.Error("copy failed")
	Discard.Info("dropped")
	want := []Message{{"info", "backup 20261203T120000"}, {"warning", "2 file(s) vanished"}, {"error", "copy failed"}}
	if len(r.Messages) != len(want) {
		t.Fatalf("%v", r.Messages)
	}
	for i := range want {
		if r.Messages[i] != want[i] {
			t.Errorf("message %d = %v, want %v", i, r.Messages[i], want[i])
		}
	}
}
