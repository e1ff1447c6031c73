package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UrlSecretsTest {
  @Test
  void userinfoAndSecretQueryValuesOfAUrlAreMasked() {
    assertThat(UrlSecrets.masked("https://user:pw@example.org/feed?a=1"))
        .isEqualTo("https://***@example.org/feed?a=1");
    assertThat(UrlSecrets.masked("https://e.org/f?private_token=x1&keyword=cats&api-key=k#top"))
        .isEqualTo("https://e.org/f?private_token=***&keyword=cats&api-key=***#top");
    assertThat(UrlSecrets.masked("https://e.org/a@b?token=&page=2"))
        .isEqualTo("https://e.org/a@b?token=&page=2");
  }

  @Test
  void urlsAnywhereInALineAreMaskedAndTheRestIsKept() {
    assertThat(
            UrlSecrets.masked(
                "room !r:x: feed 'https://u:p@e.org/rss?sig=s1' failed; see"
                    + " http://other.org/?access_token=t2&x=1 and ftp://a@b"))
        .isEqualTo(
            "room !r:x: feed 'https://***@e.org/rss?sig=***' failed; see"
                + " http://other.org/?access_token=***&x=1 and ftp://***@b");
  }

  @Test
  void textWithoutUrlsIsReturnedAsItIs() {
    String text = "no url here, user@example.org ?token=kept";
    assertThat(UrlSecrets.masked(text)).isSameAs(text);
    assertThat(UrlSecrets.masked("://")).isEqualTo("://");
    assertThat(UrlSecrets.masked("x://@")).isEqualTo("x://***@");
  }

  @Test
  void aLineOfManyShortUrlsIsMaskedInTimeLinearInItsLength() {
    // 200,000 URLs without '@' or '?': a search for either that ran back to the line's start or on
    // to its end at each URL took minutes (a log line quoting what a sender wrote).
    String line = "a:// ".repeat(200_000) + "?";
    String masked = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> UrlSecrets.masked(line));
    assertThat(masked).isEqualTo(line);
    String secrets = "a://u@h?token=t ".repeat(100_000);
    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> UrlSecrets.masked(secrets)))
        .isEqualTo("a://***@h?token=*** ".repeat(100_000));
  }

  @Test
  void aUrlInsideAUrlIsMaskedToo() {
    assertThat(UrlSecrets.masked("https://h.org/cb?redirect=https://u:p@evil.org/x?token=t&a=1"))
        .isEqualTo("https://h.org/cb?redirect=https://***@evil.org/x?token=***&a=1");
    assertThat(UrlSecrets.masked("https://web.archive.org/web/2020/https://u:p@site.org/feed"))
        .isEqualTo("https://web.archive.org/web/2020/https://***@site.org/feed");
    String nested = "a://".repeat(250_000);
    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> UrlSecrets.masked(nested)))
        .isEqualTo(nested);
  }

  @Test
  void camelCaseParameterNamesThatSayTheyHoldASecretAreMasked() {
    assertThat(
            UrlSecrets.masked(
                "https://e.org/f?accessToken=t1&apiKey=k1&clientSecret=s1&keyword=cats&Token=t2"))
        .isEqualTo(
            "https://e.org/f?accessToken=***&apiKey=***&clientSecret=***&keyword=cats&Token=***");
  }
}
