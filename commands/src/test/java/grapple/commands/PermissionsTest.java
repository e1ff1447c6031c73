package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PermissionsTest {
  private static final String ROOM = "!room:example.org";
  private static final String ALICE = "@alice:example.org";

  @Test
  void withoutRulesNobodyMayDoAnything() {
    Permissions permissions = new Permissions(List.of(), TestNames.NAMES);

    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.COMMANDS)).isFalse();
    assertThat(permissions.allowsAnyService(ALICE, ROOM, PermissionLevel.COMMANDS)).isFalse();
  }

  @Test
  void starActorMatchesEveryone() {
    Permissions permissions = permissions(rule("*", "*", PermissionLevel.COMMANDS));

    assertThat(
            permissions.allows("@anyone:elsewhere.net", ROOM, "generic", PermissionLevel.COMMANDS))
        .isTrue();
  }

  @Test
  void userActorMatchesThatUser() {
    Permissions permissions = permissions(rule(ALICE, "*", PermissionLevel.ADMIN));

    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.ADMIN)).isTrue();
  }

  @Test
  void userActorDoesNotMatchOtherUsersOnTheSameServer() {
    Permissions permissions = permissions(rule(ALICE, "*", PermissionLevel.ADMIN));

    assertThat(permissions.allows("@bob:example.org", ROOM, "generic", PermissionLevel.COMMANDS))
        .isFalse();
  }

  @Test
  void serverActorMatchesUsersOnThatServer() {
    Permissions permissions = permissions(rule("example.org", "*", PermissionLevel.COMMANDS));

    assertThat(permissions.allows("@bob:example.org", ROOM, "generic", PermissionLevel.COMMANDS))
        .isTrue();
  }

  @Test
  void serverActorIgnoresCase() {
    Permissions permissions = permissions(rule("Example.ORG", "*", PermissionLevel.COMMANDS));

    assertThat(permissions.allows("@bob:example.org", ROOM, "generic", PermissionLevel.COMMANDS))
        .isTrue();
  }

  @Test
  void serverActorDoesNotMatchUsersOnOtherServers() {
    Permissions permissions = permissions(rule("example.org", "*", PermissionLevel.COMMANDS));

    assertThat(permissions.allows("@bob:notexample.org", ROOM, "generic", PermissionLevel.COMMANDS))
        .isFalse();
    assertThat(
            permissions.allows("@bob:example.org.evil", ROOM, "generic", PermissionLevel.COMMANDS))
        .isFalse();
  }

  @Test
  void serverActorDoesNotMatchAUserWhoseLocalpartLooksLikeIt() {
    Permissions permissions = permissions(rule("example.org", "*", PermissionLevel.COMMANDS));

    assertThat(
            permissions.allows("@example.org:evil.net", ROOM, "generic", PermissionLevel.COMMANDS))
        .isFalse();
  }

  @Test
  void roomActorMatchesEveryoneInThatRoom() {
    Permissions permissions = permissions(rule(ROOM, "*", PermissionLevel.COMMANDS));

    assertThat(
            permissions.allows("@visitor:elsewhere.net", ROOM, "generic", PermissionLevel.COMMANDS))
        .isTrue();
  }

  @Test
  void roomActorDoesNotMatchOtherRooms() {
    Permissions permissions = permissions(rule(ROOM, "*", PermissionLevel.COMMANDS));

    assertThat(permissions.allows(ALICE, "!other:example.org", "generic", PermissionLevel.COMMANDS))
        .isFalse();
  }

  @Test
  void levelsAreOrderedFromCommandsToAdmin() {
    assertThat(PermissionLevel.values())
        .extracting(PermissionLevel::wire)
        .containsExactly("commands", "login", "notifications", "manageConnections", "admin");
  }

  @ParameterizedTest
  @EnumSource(
      value = PermissionLevel.class,
      names = {"COMMANDS", "LOGIN", "NOTIFICATIONS"})
  void aLevelIncludesEveryLowerLevel(PermissionLevel lower) {
    Permissions permissions = permissions(rule(ALICE, "generic", PermissionLevel.NOTIFICATIONS));

    assertThat(permissions.allows(ALICE, ROOM, "generic", lower)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = PermissionLevel.class,
      names = {"MANAGE_CONNECTIONS", "ADMIN"})
  void aLevelExcludesEveryHigherLevel(PermissionLevel higher) {
    Permissions permissions = permissions(rule(ALICE, "generic", PermissionLevel.NOTIFICATIONS));

    assertThat(permissions.allows(ALICE, ROOM, "generic", higher)).isFalse();
  }

  @Test
  void starServiceCoversEveryService() {
    Permissions permissions = permissions(rule(ALICE, "*", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(List.of("generic", "feeds", "github", "gitlab", "jira", "genericOutbound"))
        .allSatisfy(
            service ->
                assertThat(
                        permissions.allows(
                            ALICE, ROOM, service, PermissionLevel.MANAGE_CONNECTIONS))
                    .isTrue());
  }

  @Test
  void aServiceRuleDoesNotCoverOtherServices() {
    Permissions permissions = permissions(rule(ALICE, "github", PermissionLevel.ADMIN));

    assertThat(permissions.allows(ALICE, ROOM, "gitlab", PermissionLevel.COMMANDS)).isFalse();
  }

  @Test
  void webhooksInARuleMeansGeneric() {
    Permissions permissions =
        permissions(rule(ALICE, "webhooks", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
  }

  @Test
  void genericInARuleCoversACommandThatSaysWebhooks() {
    Permissions permissions =
        permissions(rule(ALICE, "generic", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(permissions.allows(ALICE, ROOM, "webhooks", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
  }

  @Test
  void feedInARuleMeansFeeds() {
    Permissions permissions = permissions(rule(ALICE, "feed", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(permissions.allows(ALICE, ROOM, "feeds", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
  }

  @Test
  void serviceNamesIgnoreCase() {
    Permissions permissions =
        permissions(rule(ALICE, "GitHub", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(permissions.allows(ALICE, ROOM, "github", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
  }

  @Test
  void rulesAreOred() {
    Permissions permissions =
        permissions(
            rule("*", "*", PermissionLevel.COMMANDS),
            rule("example.org", "generic", PermissionLevel.MANAGE_CONNECTIONS));

    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
  }

  @Test
  void oneRuleMayGiveDifferentLevelsPerService() {
    Permissions permissions =
        new Permissions(
            List.of(
                new PermissionRule(
                    ALICE,
                    List.of(
                        new PermissionRule.ServiceLevel("feeds", PermissionLevel.COMMANDS),
                        new PermissionRule.ServiceLevel("generic", PermissionLevel.ADMIN)))),
            TestNames.NAMES);

    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.ADMIN)).isTrue();
    assertThat(permissions.allows(ALICE, ROOM, "feeds", PermissionLevel.MANAGE_CONNECTIONS))
        .isFalse();
  }

  @Test
  void anyServiceIsAllowedWhenOneServiceReachesTheLevel() {
    Permissions permissions = permissions(rule(ALICE, "feeds", PermissionLevel.LOGIN));

    assertThat(permissions.allowsAnyService(ALICE, ROOM, PermissionLevel.LOGIN)).isTrue();
  }

  @Test
  void anyServiceIsRefusedWhenNoServiceReachesTheLevel() {
    Permissions permissions = permissions(rule(ALICE, "feeds", PermissionLevel.COMMANDS));

    assertThat(permissions.allowsAnyService(ALICE, ROOM, PermissionLevel.LOGIN)).isFalse();
  }

  @Test
  void levelParsingIgnoresCase() {
    assertThat(PermissionLevel.parse("MANAGECONNECTIONS"))
        .isEqualTo(PermissionLevel.MANAGE_CONNECTIONS);
  }

  @Test
  void levelParsingNamesTheChoicesAndTheValue() {
    assertThatThrownBy(() -> PermissionLevel.parse("manage"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "must be one of commands, login, notifications, manageConnections, admin, was 'manage'");
  }

  @Test
  void aLevelPrintsAsItsWireName() {
    assertThat(PermissionLevel.MANAGE_CONNECTIONS).hasToString("manageConnections");
  }

  private static Permissions permissions(PermissionRule... rules) {
    return new Permissions(List.of(rules), TestNames.NAMES);
  }

  private static PermissionRule rule(String actor, String service, PermissionLevel level) {
    return new PermissionRule(actor, List.of(new PermissionRule.ServiceLevel(service, level)));
  }
}
