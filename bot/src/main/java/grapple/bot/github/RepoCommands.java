package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.commands.CommandLine;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Fatal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
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
  private final ExecutorService executor;
  private final IssueActions actions;

  RepoCommands(GithubParts parts, ExecutorService executor) {
    this.parts = parts;
    this.executor = executor;
    this.actions = new IssueActions(parts);
  }

  void onMessage(Connection connection, GithubRepoConfig config, RoomEvent.Message message) {
    Optional<String> prefix = CommandLine.prefix(List.of(config.commandPrefix()), message.body());
    if (prefix.isPresent()) {
      run(connection, message, () -> command(connection, config, message, prefix.get()));
    } else if (config.hotlinkPrefix().isPresent()) {
      List<Long> numbers = Hotlinks.find(message.content(), config.hotlinkPrefix().get());
      if (!numbers.isEmpty())
        run(connection, message, () -> hotlinks(connection, config, message, numbers));
    }
  }

  private void run(Connection connection, RoomEvent.Message message, Runnable work) {
    try {
      executor.execute(
          () -> {
            try {
              work.run();
            } catch (Throwable e) {
              Fatal.haltIfFatal(e);
              log.error(
                  "room {}: github command from {} failed",
                  connection.roomId(),
                  message.sender(),
                  e);
            }
          });
    } catch (RejectedExecutionException e) {
      log.debug(
          "room {}: github is shutting down; a message was not answered", connection.roomId());
    }
  }

  private void command(
      Connection connection, GithubRepoConfig config, RoomEvent.Message message, String prefix) {
    if (!parts
        .context()
        .permissions()
        .allows(
            message.sender(), connection.roomId(), GithubService.NAME, PermissionLevel.COMMANDS)) {
      return; // no refusal per message: anyone could make the bot talk
    }
    String reply;
    try {
      List<String> words = CommandLine.split(message.body().strip().substring(prefix.length()));
      reply = actions.run(config, message.sender(), words, prefix);
    } catch (BadInput e) {
      reply = e.getMessage();
    }
    parts.context().outbox().post(connection.roomId(), Messages.reply(reply, message.eventId()));
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
