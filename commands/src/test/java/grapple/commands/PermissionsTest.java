package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  /**
   * One rule (actor, service, level), then whether it allows a user in a room a service at a level.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      star actor matches everyone                          | *                  | *        | COMMANDS           | @anyone:elsewhere.net  | !room:example.org  | generic  | COMMANDS           | true
      user actor matches that user                         | @alice:example.org | *        | ADMIN              | @alice:example.org     | !room:example.org  | generic  | ADMIN              | true
      user actor: not other users on the same server       | @alice:example.org | *        | ADMIN              | @bob:example.org       | !room:example.org  | generic  | COMMANDS           | false
      server actor matches users on that server            | example.org        | *        | COMMANDS           | @bob:example.org       | !room:example.org  | generic  | COMMANDS           | true
      server actor ignores case                            | Example.ORG        | *        | COMMANDS           | @bob:example.org       | !room:example.org  | generic  | COMMANDS           | true
      server actor: not users on other servers             | example.org        | *        | COMMANDS           | @bob:notexample.org    | !room:example.org  | generic  | COMMANDS           | false
      server actor: not a server it is a prefix of         | example.org        | *        | COMMANDS           | @bob:example.org.evil  | !room:example.org  | generic  | COMMANDS           | false
      server actor: not a user whose localpart looks like it | example.org      | *        | COMMANDS           | @example.org:evil.net  | !room:example.org  | generic  | COMMANDS           | false
      room actor matches everyone in that room             | !room:example.org  | *        | COMMANDS           | @visitor:elsewhere.net | !room:example.org  | generic  | COMMANDS           | true
      room actor: not other rooms                          | !room:example.org  | *        | COMMANDS           | @alice:example.org     | !other:example.org | generic  | COMMANDS           | false
      a service rule does not cover other services         | @alice:example.org | github   | ADMIN              | @alice:example.org     | !room:example.org  | gitlab   | COMMANDS           | false
      webhooks in a rule means generic                     | @alice:example.org | webhooks | MANAGE_CONNECTIONS | @alice:example.org     | !room:example.org  | generic  | MANAGE_CONNECTIONS | true
      generic in a rule covers a command that says webhooks | @alice:example.org | generic | MANAGE_CONNECTIONS | @alice:example.org     | !room:example.org  | webhooks | MANAGE_CONNECTIONS | true
      feed in a rule means feeds                           | @alice:example.org | feed     | MANAGE_CONNECTIONS | @alice:example.org     | !room:example.org  | feeds    | MANAGE_CONNECTIONS | true
      service names ignore case                            | @alice:example.org | GitHub   | MANAGE_CONNECTIONS | @alice:example.org     | !room:example.org  | github   | MANAGE_CONNECTIONS | true
      """)
  void oneRuleAllowsWhatItNames(
      String behaviour,
      String actor,
      String ruleService,
      PermissionLevel ruleLevel,
      String user,
      String room,
      String service,
      PermissionLevel level,
      boolean allowed) {
    Permissions permissions = permissions(rule(actor, ruleService, ruleLevel));

    assertThat(permissions.allows(user, room, service, level)).isEqualTo(allowed);
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
  void aRoomActorCoversItsMembersWhereverTheyAct() {
    String admins = "!admins:example.org";
    RoomMembers members = (roomId, userId) -> roomId.equals(admins) && userId.equals(ALICE);
    Permissions permissions =
        new Permissions(
            List.of(rule(admins, "generic", PermissionLevel.MANAGE_CONNECTIONS)),
            TestNames.NAMES,
            members);

    // A member of the admins' room, in another room, in a direct chat and with no room at all.
    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
    assertThat(permissions.allowsAnyService(ALICE, "!dm:example.org", PermissionLevel.LOGIN))
        .isTrue();
    assertThat(permissions.allows(ALICE, "", "generic", PermissionLevel.COMMANDS)).isTrue();
    // Not who is not a member; not above the rule's level.
    assertThat(permissions.allows("@bob:example.org", ROOM, "generic", PermissionLevel.COMMANDS))
        .isFalse();
    assertThat(permissions.allows(ALICE, ROOM, "generic", PermissionLevel.ADMIN)).isFalse();
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
