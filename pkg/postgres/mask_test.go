package postgres

import "testing"

func TestMaskConninfo(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no password", "host=pg user=postgres", "host=pg user=postgres"},
		{"plain", "host=pg password=s3cret user=x", "host=pg password=******** user=x"},
		{"escaped space", `host=pg password=se\ cret user=x`, "host=pg password=******** user=x"},
		{"escaped backslash then space", `password=a\\ user=x`, "password=******** user=x"},
		{"spaces around =", "host=pg password = s3cret user=x", "host=pg password = ******** user=x"},
		{"quoted with escaped quote", `host=pg password = 'a b\' c' user=x`, "host=pg password = ******** user=x"},
		{"quoted ending in escaped backslash", `password='a b\\' user=x`, "password=******** user=x"},
		{"quoted then next keyword without space", `password='a b'user=x`, "password=********user=x"},
		{"empty quoted", "password='' user=x", "password=******** user=x"},
		{"empty at the end", "host=pg password=", "host=pg password=********"},
		{"empty at the end with spaces", "host=pg password = ", "host=pg password = ********"},
		{"trailing backslash", `host=pg password=abc\`, "host=pg password=********"},
		{"tabs and newlines", "host=pg\tpassword=p\nuser=x", "host=pg\tpassword=********\nuser=x"},
		{"passwordx is not a password", "passwordx=abc password=def", "passwordx=abc password=********"},
		{"inside another quoted value", "application_name='x password=y' user=x", "application_name='x password=y' user=x"},
		{"several", "password=a host=pg password='b c' sslpassword=d", "password=******** host=pg password=******** sslpassword=********"},
		{"upper case", "PASSWORD=a", "PASSWORD=********"},
		{"unterminated quote", "host=pg password='abc def", "host=pg password=********"},
		{"missing = hides the rest", "host=pg password secret user=x", "host=pg ********"},
		{"empty keyword hides the rest", "host=pg =secret", "host=pg ********"},
		{"uri", "postgresql://barman:pw@pg:5432/postgres", "postgresql://barman:********@pg:5432/postgres"},
		{"uri no password", "postgres://barman@pg/postgres?sslmode=require", "postgres://barman@pg/postgres?sslmode=require"},
		{"uri encoded @ and :", "postgresql://barman:p%40s%3As@pg/postgres", "postgresql://barman:********@pg/postgres"},
		{"uri empty password", "postgres://barman:@pg/db", "postgres://barman:********@pg/db"},
		{"uri password with colon", "postgres://barman:a:b@pg/db", "postgres://barman:********@pg/db"},
		{"uri @ after /", "postgres://pg/db@x", "postgres://pg/db@x"},
		{"uri query", "postgresql://pg/db?user=barman&password=s%20e&sslmode=require",
			"postgresql://pg/db?user=barman&password=********&sslmode=require"},
		{"uri query at the end", "postgresql://pg?password=", "postgresql://pg?password=********"},
		{"uri query encoded key", "postgresql://pg/db?pass%77ord=x&a=b", "postgresql://pg/db?pass%77ord=********&a=b"},
		{"uri query spaced key", "postgresql://pg/db? password =x&%20password%20=y", "postgresql://pg/db? password =********&%20password%20=********"},
		{"uri query bad key", "postgresql://pg/db?pass%zzord=x", "postgresql://pg/db?pass%zzord=********"},
		{"uri query sslpassword", "postgresql://u:p@pg/db?sslpassword=k&passwordx=y",
			"postgresql://u:********@pg/db?sslpassword=********&passwordx=y"},
		{"uri raw @ in query password", "postgresql://pg?password=a@b", "postgresql://pg?password=********"},
		{"uri ? in user information", "postgresql://u?a@pg/db?password=t", "postgresql://u?a@pg/db?password=********"},
		{"not a uri scheme", "postgresqlx://u:p@pg", "********"},
	}
	for _, c := range cases {
		if got := MaskConninfo(c.in); got != c.want {
			t.Errorf("%s: MaskConninfo(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
