package backupjob

import (
	"testing"
	"time"
)

// TestFlagsApply: a negative number is an option not given; --no-retry
// wins over the retry options.
func TestFlagsApply(t *testing.T) {
	var o Options
	Flags{Keepalive: -1, RetryTimes: -1, RetrySleep: -1}.Apply(&o)
	if o.Checkpoint != 0 || o.Keepalive != nil || o.RetryTimes != nil || o.RetrySleep != nil {
		t.Errorf("nothing given, yet %+v", o)
	}
	Flags{Spread: true, Keepalive: 0, RetryTimes: 3, RetrySleep: 7}.Apply(&o)
	if o.Checkpoint != CheckpointSpread || *o.Keepalive != 0 || *o.RetryTimes != 3 || *o.RetrySleep != 7*time.Second {
		t.Errorf("given: %+v", o)
	}
	Flags{Immediate: true, Keepalive: -1, RetryTimes: 3, RetrySleep: 7, NoRetry: true}.Apply(&o)
	if o.Checkpoint != CheckpointImmediate || *o.RetryTimes != 0 || *o.RetrySleep != 0 {
		t.Errorf("--no-retry: %+v", o)
	}
}
