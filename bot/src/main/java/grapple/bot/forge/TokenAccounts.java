package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.ServiceContext;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linked accounts' tokens: linking one by personal access token (GitLab, Gitea) and refreshing
 * those that expire (GitHub, JIRA Cloud).
 */
public final class TokenAccounts {
  private static final Logger log = LoggerFactory.getLogger(TokenAccounts.class);

  private TokenAccounts() {}

  /**
   * Links {@code matrixUser}'s account {@code login} on {@code instance}, {@code user} being what
   * the forge's {@code /user} answered for {@code token}; it is stored with its id and avatar
   * (groups and organizations are not asked). Returns it.
   */
  public static Account link(
      LinkedAccounts store,
      String service,
      String instance,
      String matrixUser,
      String login,
      JsonNode user,
      String token) {
    Account account =
        new Account(
            service,
            instance,
            matrixUser,
            login,
            user.path("id").asText(),
            token,
            null,
            null,
            null);
    store.link(account, new LinkedAccounts.Profile(avatar(user), null));
    return account;
  }

  /** Checks a token with the forge and links it. */
  public interface Link {
    Account link() throws ForgeException;
  }

  /**
   * The answer of a command that links the sender's account on {@code instance} by token: {@code
   * link} checks and stores it, and the sender's Matrix name is remembered. A token the forge does
   * not accept is refused in {@code refused}'s words; nothing is stored when it fails.
   */
  public static Reply linkCommand(
      Invocation call,
      ServiceContext context,
      String instance,
      Function<ForgeException, String> refused,
      Link link) {
    try {
      Account account = link.link();
      context.profiles().remember(call.sender());
      return Reply.text(
          "Connected as %s on %s. Token stored.",
          Markdown.code(account.login()), Markdown.code(instance));
    } catch (ForgeException e) {
      if (e.badCredentials()) throw new BadInput("token", refused.apply(e));
      throw new BadInput(
          "token", "The token could not be checked: " + e.getMessage() + ". Nothing was stored.");
    }
  }

  /** Refreshes one account's token. */
  public interface Refresh {
    Optional<Account> refresh(Account account) throws ForgeException;
  }

  /**
   * The leader's chore: refreshes every token of {@code service} that expires before {@code
   * before}; one that fails is logged and tried again next time.
   */
  public static void refreshExpiring(
      LinkedAccounts store, String service, Instant before, Refresh refresh) {
    for (Account account : store.refreshableBefore(service, before)) {
      try {
        refresh.refresh(account);
      } catch (ForgeException e) {
        log.warn(
            "{}: could not refresh the token of {} yet: {}",
            service,
            account.matrixUser(),
            e.getMessage());
      }
    }
  }

  private static @Nullable String avatar(JsonNode user) {
    JsonNode url = user.path("avatar_url");
    return url.isTextual() && !url.asText().isEmpty() ? url.asText() : null;
  }
}
