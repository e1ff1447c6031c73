package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.TokenAccounts;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GitLab accounts Matrix users linked, one per instance, by personal access token: each token
 * is checked with the instance's {@code /api/v4/user} before it is stored (sealed, in the shared
 * linked accounts). Also who on Matrix a GitLab username is, for mentions: who linked it, else whom
 * an administrator linked it to on that instance (CONTRACT §14).
 */
final class GitlabAccounts {
  private static final Logger log = LoggerFactory.getLogger(GitlabAccounts.class);
  static final String SERVICE = "gitlab";

  private final LinkedAccounts store;
  private final PeopleLinks people;
  private final GitlabClient client;

  GitlabAccounts(LinkedAccounts store, PeopleLinks people, GitlabClient client) {
    this.store = store;
    this.people = people;
    this.client = client;
  }

  /** Checks the token with GitLab and links it; returns the account. */
  Account linkToken(String instance, HttpUrl url, String matrixUser, String token)
      throws ForgeException {
    JsonNode user = client.user(url, token);
    String username = user.path("username").asText("");
    if (username.isEmpty()) throw new ForgeException(502, "GitLab's /user named nobody");
    Account account =
        TokenAccounts.link(store, SERVICE, instance, matrixUser, username, user, token);
    log.info("gitlab: {} linked the {} account {}", matrixUser, instance, username);
    return account;
  }

  Optional<Account> account(String instance, String matrixUser) {
    return store.get(SERVICE, instance, matrixUser);
  }

  boolean logout(String instance, String matrixUser) {
    return store.unlink(SERVICE, instance, matrixUser);
  }

  /** Mentions of the people of one instance: who linked a GitLab username there. */
  Mentions on(String instance) {
    Mentions linked = TokenAccounts.mentions(store, people, SERVICE, instance);
    return username -> username.isEmpty() ? Optional.empty() : linked.matrixUserFor(username);
  }
}
