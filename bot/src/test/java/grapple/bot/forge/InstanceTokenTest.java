package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InstanceTokenTest {
  /** A record prints every field: a token command's words must not print the token. */
  @Test
  void printsWithoutItsToken() {
    TokenAccounts.InstanceToken words =
        new TokenAccounts.InstanceToken("lab", "glpat-secret-0123456789");
    assertThat(words.toString()).doesNotContain("glpat-secret").contains("lab");
  }
}
