package removal

import (
	"context"
	"log/slog"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/retention"
	"github.com/gobarman/barman/pkg/server"
)

// Policy returns the server's retention settings; ok is false when it
// has no retention policy (nothing is removed automatically).
func Policy(s *server.Server) (p retention.Policy, ok bool) {
	if s.Retention.Policy == nil {
		return p, false
	}
	return retention.Policy{RetentionPolicy: *s.Retention.Policy, MinimumRedundancy: s.Retention.MinimumRedundancy}, true
}

// Evaluate judges the backups of cat by the server's policy at now; nil
// when the server has none. Its warnings go to log.
func Evaluate(s *server.Server, cat *backups.Catalogue, now time.Time, log *slog.Logger) (*retention.Report, error) {
	p, ok := Policy(s)
	if !ok {
		return nil, nil
	}
	rep, err := retention.Evaluate(p, cat, now)
	if err != nil {
		return nil, err
	}
	for _, w := range rep.Warnings {
		log.Warn(w, "server", s.Name)
	}
	return rep, nil
}

// Enforce removes the server's OBSOLETE backups, oldest first, with the
// WAL files only they needed (what `barman cron` does).
func (r *Remover) Enforce(ctx context.Context) error {
	cat, err := backups.Load(r.s.Layout)
	if err != nil {
		return err
	}
	rep, err := Evaluate(r.s, cat, time.Now(), r.log)
	if rep == nil || err != nil {
		return err
	}
	var ids []string
	for _, b := range rep.Obsolete(cat) {
		ids = append(ids, b.ID)
	}
	if len(ids) > 0 {
		r.ForRetention(rep).Remove(ctx, ids)
	}
	return nil
}

// Plan simulates the removal of the backups rep judged OBSOLETE: what
// Enforce would remove, and why, without removing anything.
func Plan(s *server.Server, rep *retention.Report, cat *backups.Catalogue) ([]retention.Step, error) {
	if len(rep.Obsolete(cat)) == 0 {
		return nil, nil
	}
	entries, err := s.Layout.ReadXlogDB()
	if err != nil {
		return nil, err
	}
	return retention.Plan(rep, backups.NewSimulation(cat, entries, !s.Backup.Exclusive))
}
