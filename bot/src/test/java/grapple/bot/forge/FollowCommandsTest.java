package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.forge.FollowCommands.Entry;
import grapple.commands.Command;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every forge's follow, list and remove commands, with their aliases, come from one place. */
class FollowCommandsTest {
  private static final Command.Handler NONE = call -> Reply.text("done");

  private static List<Command> commands(Command... others) {
    return FollowCommands.of(
        "jira",
        new Entry("jira project", "Follow", NONE),
        new Entry("jira list project", "List", NONE),
        new Entry("jira remove project", "Remove", NONE),
        others);
  }

  @Test
  void followAndRemoveTakeAUrlAndNeedToManageConnections() {
    List<Command> commands = commands();

    assertThat(commands.get(0).usage()).isEqualTo("<url>");
    assertThat(commands.get(0).level()).isEqualTo(PermissionLevel.MANAGE_CONNECTIONS);
    assertThat(commands.get(2).usage()).isEqualTo("<url>");
    assertThat(commands.get(2).level()).isEqualTo(PermissionLevel.MANAGE_CONNECTIONS);
  }

  @Test
  void listTakesNothingAndNeedsOnlyCommands() {
    Command list = commands().get(1);

    assertThat(list.usage()).isEmpty();
    assertThat(list.level()).isEqualTo(PermissionLevel.COMMANDS);
    assertThat(list.help()).isEqualTo("List");
  }

  @Test
  void listAndRemoveAreAlsoTheFollowWordsThenListOrRemoveUnlisted() {
    List<Command> commands = commands();

    assertThat(commands)
        .extracting(Command::words)
        .containsExactly(
            "jira project",
            "jira list project",
            "jira remove project",
            "jira project list",
            "jira project remove");
    assertThat(commands)
        .extracting(Command::listed)
        .containsExactly(true, true, true, false, false);
    assertThat(commands).extracting(Command::service).containsOnly("jira");
  }

  @Test
  void theServicesOtherCommandsComeAfterThem() {
    Command login = new Command("jira login", "", "Log in", "jira", PermissionLevel.LOGIN, NONE);

    assertThat(commands(login)).hasSize(6).last().isSameAs(login);
  }
}
