package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.forge.ForgeException;
import org.junit.jupiter.api.Test;

class GithubPartsTest {
  /**
   * A rate limit's message is GitHub's (or a GitHub Enterprise's) own text: shown literally and
   * cut, as every other refusal is; it went into the reply as Markdown, whole (a link, a megabyte).
   */
  @Test
  void aRateLimitsMessageIsShownLiterallyAndCut() {
    String said =
        "API rate limit exceeded, see [the docs](https://evil.example/) *now* " + "x".repeat(5000);

    String reply = GithubParts.explain(new ForgeException(403, said), "o/r", "`github login`");

    assertThat(reply)
        .startsWith(
            "GitHub is rate limiting requests (API rate limit exceeded\\, see \\[the docs\\]")
        .contains("\\*now\\*")
        .doesNotContain("[the docs](")
        .endsWith("). Try again in a few minutes.");
    assertThat(reply.length()).isLessThan(400);
  }
}
