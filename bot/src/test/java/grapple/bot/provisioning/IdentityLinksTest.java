package grapple.bot.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Json;
import grapple.state.LinkedAccounts;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.state.TestPostgres;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Identity links over the users' own accounts and administrators' links, on both databases. */
@ParameterizedClass
@EnumSource(Dialect.class)
class IdentityLinksTest {
  private static final Caller LINKER = new Caller("ops", Set.of(Caller.LINK), List.of());

  @Parameter Dialect dialect;
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  private Database db;
  private LinkedAccounts accounts;
  private IdentityLinks links;

  @BeforeEach
  void open() {
    Location where =
        dialect == Dialect.SQLITE
            ? Location.sqlite(dir.resolve("grapple.db"))
            : TestPostgres.newDatabase();
    db = Database.open(where, Migrations.core());
    accounts = new LinkedAccounts(db, SecretBox.of(new byte[32]), clock);
    links = new IdentityLinks(new PeopleLinks(db, clock));
  }

  @AfterEach
  void close() {
    db.close();
  }

  private void linkAccount(String service, String user, String login) {
    accounts.link(
        new LinkedAccounts.Account(service, "", user, login, "42", "tok", null, null, null));
  }

  private static ObjectNode body(String userId, String login) {
    ObjectNode body = Json.object();
    body.putObject("matrix").put("userId", userId);
    body.putObject("github").put("login", login).put("id", 77);
    return body;
  }

  @Test
  void aUsersAccountsOnSeveralForgesAreOneLink() {
    linkAccount("github", "@a:x", "ann");
    linkAccount("gitlab", "@a:x", "ann-gl");

    List<ObjectNode> all = links.all(true);

    assertThat(all).hasSize(1);
    assertThat(all.get(0).get("github").get("login").asText()).isEqualTo("ann");
    assertThat(all.get(0).get("gitlab").get("login").asText()).isEqualTo("ann-gl");
    assertThat(all.get(0).toString()).doesNotContain("tok");
  }

  @Test
  void anAdministratorsLinkIsFoundByIdLoginAndUser() {
    String id = links.create(LINKER, body("@b:x", "Bee"));

    assertThat(links.byId(id, true)).isPresent();
    assertThat(links.byLogin("github", "bEE", true)).isPresent();
    assertThat(links.byMatrixUser("@b:x", true)).hasSize(1);
    assertThat(links.byId(id, true).get().get("github").get("id").asText()).isEqualTo("77");
  }

  @Test
  void aUserWithTheirOwnAccountAndAnAdministratorsLinkHasTwoLinks() {
    linkAccount("github", "@c:x", "cee");
    links.create(LINKER, body("@c:x", "cee-work"));

    assertThat(links.byMatrixUser("@c:x", false)).hasSize(2);
    assertThat(links.byMatrixUser("@nobody:x", false)).isEmpty();
  }

  @Test
  void theSameLoginTwiceIsRefused() {
    links.create(LINKER, body("@d:x", "dee"));

    assertThatThrownBy(() -> links.create(LINKER, body("@e:x", "DEE")))
        .isInstanceOf(ApiException.class)
        .hasMessage("The github login 'DEE' is linked already.");
  }

  @Test
  void anUnknownFieldIsNamed() {
    ObjectNode body = body("@f:x", "eff");
    body.putObject("bitbucket").put("login", "eff");

    assertThatThrownBy(() -> links.create(LINKER, body))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("bitbucket");
  }

  @Test
  void aKeyWithoutTheLinkScopeCannotCreate() {
    Caller reader = new Caller("r", Set.of(Caller.LINKS), List.of());

    assertThatThrownBy(() -> links.create(reader, body("@g:x", "gee")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("link scope");
  }
}
