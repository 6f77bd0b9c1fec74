package barman

import (
	"github.com/gobarman/barman/pkg/removal"
	"github.com/gobarman/barman/pkg/server"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/retention"
)

// retentionReport judges the backups of cat by the server's policy now;
// nil when the server has none.
func retentionReport(env *Env, s *server.Server, cat *backups.Catalogue) (*retention.Report, error) {
	return removal.Evaluate(s, cat, time.Now(), env.Log)
}

// retentionStatus is b's status in rep, "" without a policy (list-backups
// and show-backup then print none).
func retentionStatus(rep *retention.Report, b *catalog.BackupInfo) string {
	if rep == nil {
		return ""
	}
	return string(rep.Status(b.ID))
}

// enforceRetention removes the server's OBSOLETE backups (`barman cron`).
func enforceRetention(env *Env, s *server.Server) error {
	return env.Remover(s).Enforce(env.Ctx)
}

// retentionDryRun prints what enforceRetention would remove from the
// server, and why, without removing anything.
func retentionDryRun(env *Env, s *server.Server) error {
	l := s.Layout
	cat, err := backups.Load(l)
	if err != nil {
		return err
	}
	rep, err := retentionReport(env, s, cat)
	if err != nil {
		return err
	}
	out := env.Out
	if rep == nil {
		out.Info("Server %s: no retention policy (retention_policy is empty): cron removes nothing", s.Name)
		out.Result(s.Name, map[string]any{"retention_policy": nil, "backups": []any{}, "remove": []any{}})
		return nil
	}
	out.Info("Server %s: %s, minimum_redundancy %d, at %s:", s.Name, rep.Policy.Text, rep.Policy.MinimumRedundancy, rep.Now.Format("2006-01-02 15:04:05"))
	for _, w := range rep.Warnings {
		out.Warning("%s", w)
	}
	verdicts := []any{}
	for _, b := range cat.Backups {
		v := rep.Verdicts[b.ID]
		out.Info("\t%s %s: %s", b.ID, v.Status, v.Reason)
		verdicts = append(verdicts, map[string]any{"backup_id": b.ID, "retention_status": string(v.Status), "reason": v.Reason})
	}
	steps, err := removal.Plan(s, rep, cat)
	if err != nil {
		return err
	}
	plan := []any{}
	for _, st := range steps {
		plan = append(plan, dryRunStep(env, s, st))
	}
	if len(steps) == 0 {
		out.Info("\tNothing to remove")
	}
	out.Result(s.Name, map[string]any{"retention_policy": rep.Policy.Text, "minimum_redundancy": rep.Policy.MinimumRedundancy,
		"now": rep.Now.Format(time.RFC3339), "backups": verdicts, "remove": plan})
	return nil
}

// dryRunStep prints one step of the plan and returns it for -f json.
func dryRunStep(env *Env, s *server.Server, st retention.Step) map[string]any {
	out := env.Out
	doc := map[string]any{"backup_id": st.Backup.ID, "reason": st.Verdict.Reason}
	if st.Skip != "" {
		out.Info("\tWould keep backup %s after all: %s", st.Backup.ID, st.Skip)
		doc["skipped"] = st.Skip
		return doc
	}
	var size int64
	names := []string{}
	for _, e := range st.WALs {
		size += e.Size
		names = append(names, e.Name)
	}
	out.Info("\tWould remove backup %s (%s)", st.Backup.ID, st.Verdict.Reason)
	if st.Purge {
		out.Info("\tand %d WAL files (%s) that no other backup needs%s", len(names), backups.PrettySize(float64(size)), colonIf(len(names) > 0))
		for _, n := range names {
			out.Info("\t\t%s", n)
		}
	} else {
		out.Info("\tand no WAL file: an older backup still needs them")
	}
	doc["wal_files"], doc["wal_size_bytes"] = names, size
	return doc
}

func colonIf(b bool) string {
	if b {
		return ":"
	}
	return ""
}
