package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.bot.room.RoomEvent;
import grapple.commands.Markdown;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@code GithubRepo} connection answers in its room: commands on its prefix ({@code !gh
 * create}, {@code assign}, {@code close}, {@code workflow run}, {@code help}), acting with the
 * sender's linked account, and hotlinks ({@code #123}). GitHub is called off the thread that reads
 * room messages, so a slow GitHub holds up no other room.
 */
final class RepoCommands {
  private static final Logger log = LoggerFactory.getLogger(RepoCommands.class);

  private final GithubParts parts;
  private final RoomCommands commands;
  private final IssueActions actions;

  RepoCommands(GithubParts parts, ExecutorService executor) {
    this.parts = parts;
    this.commands =
        new RoomCommands(parts.context(), executor, GithubService.NAME, null, RepoCommands::help);
    this.actions = new IssueActions(parts);
  }

  void onMessage(Connection connection, GithubRepoConfig config, RoomEvent.Message message) {
    boolean command =
        commands.onMessage(connection, config, config.commandPrefix(), message, actions::run);
    if (command || config.hotlinkPrefix().isEmpty()) return;
    List<Long> numbers = Hotlinks.find(message.content(), config.hotlinkPrefix().get());
    if (!numbers.isEmpty())
      commands.execute(connection, message, () -> hotlinks(connection, config, message, numbers));
  }

  private void hotlinks(
      Connection connection,
      GithubRepoConfig config,
      RoomEvent.Message message,
      List<Long> numbers) {
    Optional<String> token;
    try {
      token = parts.botToken(config.org(), config.repo(), message.sender());
    } catch (ForgeException e) {
      log.debug("room {}: no token for hotlinks: {}", connection.roomId(), e.getMessage());
      return;
    }
    if (token.isEmpty()) return;
    for (long number : numbers) {
      try {
        JsonNode issue = parts.client().issue(token.get(), config.org(), config.repo(), number);
        ObjectNode content = Hotlinks.message(issue, config, Optional.empty());
        content
            .putObject("m.relates_to")
            .putObject("m.in_reply_to")
            .put("event_id", message.eventId());
        parts.context().outbox().post(connection.roomId(), content);
      } catch (ForgeException e) {
        log.debug(
            "room {}: hotlink #{} of {}/{}: {}",
            connection.roomId(),
            number,
            config.org(),
            config.repo(),
            e.getMessage());
      }
    }
  }

  static String help(String prefix) {
    return String.join(
        "\n",
        "Commands for this repository (with your linked GitHub account):",
        "- " + Markdown.code(prefix + " create <title> [description] [labels,comma,separated]"),
        "- "
            + Markdown.code(prefix + " assign [number] [users…]")
            + " (users: GitHub logins or linked Matrix ids;"
            + " default: the latest issue and yourself)",
        "- " + Markdown.code(prefix + " close <number> [comment]"),
        "- " + Markdown.code(prefix + " workflow run <name> [k=v,k2=v2] [ref]"),
        "- " + Markdown.code(prefix + " help"));
  }
}
