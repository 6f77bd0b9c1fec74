package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// RetentionPolicy is a parsed retention_policy value.
type RetentionPolicy struct {
	Redundancy int           // > 0 for REDUNDANCY n (0 allowed: keeps none)
	Window     time.Duration // > 0 for RECOVERY WINDOW OF n UNIT
	Text       string        // canonical text, e.g. "REDUNDANCY 2"
}

// IsRedundancy reports whether the policy is REDUNDANCY n.
func (p RetentionPolicy) IsRedundancy() bool { return p.Window == 0 }

var (
	redundancyRe = regexp.MustCompile(`(?i)^\s*redundancy\s+(\d+)\s*$`)
	windowRe     = regexp.MustCompile(`(?i)^\s*recovery\s+window\s+of\s+(\d+)\s+(day|week|month)s?\s*$`)
	intervalRe   = regexp.MustCompile(`(?i)^\s*(\d+)\s+(hour|day|week|month)s?\s*$`)
	sizeRe       = regexp.MustCompile(`^\s*(\d+)\s*(k|Ki|M|Mi|G|Gi|T|Ti)?\s*$`)
)

const day = 24 * time.Hour

var unitDur = map[string]time.Duration{"hour": time.Hour, "day": day, "week": 7 * day, "month": 31 * day}

// ParseRetentionPolicy parses "REDUNDANCY n" or "RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS".
func ParseRetentionPolicy(v string) (RetentionPolicy, error) {
	if m := redundancyRe.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		return RetentionPolicy{Redundancy: n, Text: "REDUNDANCY " + m[1]}, nil
	}
	if m := windowRe.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := strings.ToLower(m[2])
		if n == 0 {
			return RetentionPolicy{}, fmt.Errorf("%q: a recovery window must be at least 1 %s", v, unit)
		}
		text := fmt.Sprintf("RECOVERY WINDOW OF %d %sS", n, strings.ToUpper(unit))
		return RetentionPolicy{Window: time.Duration(n) * unitDur[unit], Text: text}, nil
	}
	return RetentionPolicy{}, fmt.Errorf("%q is not a retention policy (accepted: REDUNDANCY n, RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS)", v)
}

// ParseInterval parses "n HOUR[S]|DAY[S]|WEEK[S]|MONTH[S]" (month = 31 days).
func ParseInterval(v string) (time.Duration, error) {
	m := intervalRe.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time interval (accepted: n HOURS, n DAYS, n WEEKS, n MONTHS)", v)
	}
	n, _ := strconv.Atoi(m[1])
	return time.Duration(n) * unitDur[strings.ToLower(m[2])], nil
}

var sizeUnit = map[string]int64{"": 1, "k": 1000, "Ki": 1 << 10, "M": 1000 * 1000, "Mi": 1 << 20,
	"G": 1000 * 1000 * 1000, "Gi": 1 << 30, "T": 1000 * 1000 * 1000 * 1000, "Ti": 1 << 40}

// ParseSize parses "n" with an optional k, Ki, M, Mi, G, Gi, T or Ti suffix.
func ParseSize(v string) (int64, error) {
	m := sizeRe.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (accepted: a number with an optional k, Ki, M, Mi, G, Gi, T, Ti suffix)", v)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large a size", v)
	}
	return n * sizeUnit[m[2]], nil
}
