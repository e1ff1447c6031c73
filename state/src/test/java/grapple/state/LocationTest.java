package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocationTest {
  @Test
  void aPostgresUrlGivesHostPortDatabaseAndTheDriversUrl() {
    Location.Postgres p =
        Location.postgres(
            "database.url", "postgresql://db.example.org:5433/grapple", "bot", "pw", 10);

    assertThat(p.host()).isEqualTo("db.example.org");
    assertThat(p.port()).isEqualTo(5433);
    assertThat(p.database()).isEqualTo("grapple");
    assertThat(p.user()).isEqualTo("bot");
    assertThat(p.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:5433/grapple");
    assertThat(p.dialect()).isEqualTo(Dialect.POSTGRESQL);
  }

  @Test
  void thePortDefaultsTo5432AndDriverParametersPassThrough() {
    Location.Postgres p =
        Location.postgres("database.url", "postgres://h/db?sslmode=require", "u", null, 10);

    assertThat(p.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db?sslmode=require");
  }

  @Test
  void theLoginMayComeFromTheUrlButTheConfigsWins() {
    Location.Postgres fromUrl =
        Location.postgres("database.url", "postgresql://alice:s%40cret@h/db", null, null, 10);
    Location.Postgres fromConfig =
        Location.postgres("database.url", "postgresql://alice:s%40cret@h/db", "bob", "pw", 10);

    assertThat(fromUrl.user()).isEqualTo("alice");
    assertThat(fromUrl.password()).isEqualTo("s@cret");
    assertThat(fromConfig.user()).isEqualTo("bob");
    assertThat(fromConfig.password()).isEqualTo("pw");
  }

  @Test
  void neitherDescribeNorToStringShowsThePassword() {
    Location.Postgres p =
        Location.postgres("database.url", "postgresql://alice:hunter22@h/db", null, null, 10);

    assertThat(p.describe()).isEqualTo("postgresql://alice@h:5432/db").doesNotContain("hunter22");
    assertThat(p.toString()).doesNotContain("hunter22");
  }

  @Test
  void aWrongUrlNamesTheFieldAndTheRuleWithoutThePassword() {
    assertThatThrownBy(
            () -> Location.postgres("database.url", "mysql://u:hunter22@h/db", null, null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'database.url' must start with postgresql://")
        .hasMessageNotContaining("hunter22");
    assertThatThrownBy(() -> Location.postgres("database.url", "postgresql://h", "u", null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("needs one database name");
    assertThatThrownBy(() -> Location.postgres("database.url", "postgresql:///db", "u", null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("needs a host");
    assertThatThrownBy(() -> Location.postgres("database.url", "postgresql://h/db", null, null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'database.user' is required");
    assertThatThrownBy(() -> Location.postgres("database.url", "postgresql://h/db", "u", null, 1))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'database.poolSize' must be 2 to 100, was 1");
  }

  @Test
  void aSqliteLocationIsItsFile() {
    Location sqlite = Location.sqlite(Path.of("data/grapple.db"));

    assertThat(sqlite.dialect()).isEqualTo(Dialect.SQLITE);
    assertThat(sqlite.describe()).isEqualTo("data/grapple.db");
  }

  /**
   * A password with '/' or '@' written as it is (not percent-encoded) makes the URL unusable; the
   * error names the URL without any of the password (config errors go to stderr, i.e. the log).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgresql://grapple:s3cr/et@db.example/grapple",
        "postgresql://grapple:s3cr@et@db.example/grapple",
        "postgresql://grapple:s3cr@e/t@db.example/grapple"
      })
  void anUnusableUrlIsNamedWithoutItsPassword(String url) {
    assertThatThrownBy(() -> Location.postgres("database.url", url, null, null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("postgresql://grapple:***@db.example/grapple")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr").doesNotContain("et@"));
  }

  /**
   * A URL without its scheme, refused for that, was shown as written: password and all, in the
   * config error and on the terminal.
   */
  @ParameterizedTest
  @ValueSource(strings = {"grapple:s3cret@db.example/grapple", "grapple:s3c@ret@db.example/g"})
  void aUrlWithoutASchemeIsRefusedWithoutItsPassword(String url) {
    assertThatThrownBy(() -> Location.postgres("database.url", url, null, null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must start with postgresql://")
        .hasMessageContaining("grapple:***@db.example/g")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3c").doesNotContain("ret"));
  }

  /**
   * A port past 65535 passed (so --check-config called the config valid) and the start failed with
   * the driver's "Unable to parse URL jdbc:postgresql://...".
   */
  @Test
  void aPortPast65535IsRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                Location.postgres(
                    "database.url", "postgresql://u:s3cret@db.example:99999/g", null, null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'database.url' needs a port from 1 to 65535")
        .hasMessageContaining("postgresql://u:***@db.example:99999/g")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  /**
   * The driver takes a password as a URL parameter too, and the client key's passphrase as {@code
   * sslpassword}; an error shows the URL without either.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgresql://db.example/?user=grapple&password=s3cret",
        "postgresql://db.example?password=s3cret&sslmode=require",
        "mysql://db.example/grapple?password=s3cret",
        "postgresql://db.example/?sslmode=verify-full&sslpassword=s3cret",
        "postgresql://db.example/?sslpassword=s3cret"
      })
  void aPasswordGivenAsAParameterIsNotShownEither(String url) {
    assertThatThrownBy(() -> Location.postgres("database.url", url, "grapple", null, 10))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("password=***")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }
}
