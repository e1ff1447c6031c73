package grapple.bot.webhook;

import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static grapple.bot.config.TestConfig.sampleConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code generic} config section, read by the service. */
class WebhookSettingsTest {
  // ---- generic webhooks

  @Test
  void genericSettingsAreRead() {
    String yaml =
        """
        generic:
          enabled: false
          waitForComplete: true
          enableHttpGet: true
          includeHookBody: false
          maxExpiry: 1d12h
        """;

    WebhookSettings generic = settings(yaml);

    assertThat(generic.enabled()).isFalse();
    assertThat(generic.waitForComplete()).isTrue();
    assertThat(generic.enableHttpGet()).isTrue();
    assertThat(generic.includeHookBody()).isFalse();
    assertThat(generic.maxExpiry()).isEqualTo(Duration.ofHours(36));
  }

  @Test
  void urlPrefixDefaultFollowsTheWebhookPort() {
    WebhookSettings config = settings("listeners: {webhooks: {port: 8123}}");

    assertThat(config.urlPrefix()).isEqualTo("http://127.0.0.1:8123/webhook/");
  }

  @Test
  void aCopyOfTheSampleOnAnotherPortGivesWebhookUrlsOnThatPort() throws IOException {
    String sample = Files.readString(sampleConfig());
    String copy = sample.replace("\n    port: 9000 ", "\n    port: 8123 ");
    assertThat(copy).isNotEqualTo(sample);

    assertThat(settings(copy).urlPrefix()).isEqualTo("http://127.0.0.1:8123/webhook/");
  }

  @Test
  void theExpiryNoticeIsOffUnlessAskedFor() {
    assertThat(settings("").sendExpiryNotice()).isFalse();
    assertThat(settings("generic: {sendExpiryNotice: true}").sendExpiryNotice()).isTrue();
  }

  @Test
  void urlPrefixGetsATrailingSlash() {
    WebhookSettings config = settings("generic: {urlPrefix: 'https://hooks.example.org/webhook'}");

    assertThat(config.urlPrefix()).isEqualTo("https://hooks.example.org/webhook/");
  }

  /** The hook id is appended to the prefix; after a query or fragment every URL would be broken. */
  @ParameterizedTest
  @ValueSource(
      strings = {"https://hooks.example.org/webhook/?via=proxy", "https://hooks.example.org/#/"})
  void urlPrefixWithAQueryOrFragmentIsRefusedNamingTheRule(String prefix) {
    assertThat(problems("generic: {urlPrefix: '" + prefix + "'}"))
        .containsExactly(
            "config: generic.urlPrefix: must not have a query (?) or fragment (#): the hook id is"
                + " appended to it, was '"
                + prefix
                + "'");
  }

  @Test
  void scriptMemoryDefaultsTo16MibAndIsBounded() {
    assertThat(settings("").scriptLimits().allocatedBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(settings("generic: {scriptMemoryMb: 8}").scriptLimits().allocatedBytes())
        .isEqualTo(8L * 1024 * 1024);
    assertThat(problems("generic: {scriptMemoryMb: 0}"))
        .singleElement()
        .asString()
        .contains("generic.scriptMemoryMb");
  }

  @Test
  void urlPrefixMustStartWithHttpOrHttps() {
    assertThat(problems("generic: {urlPrefix: 'ftp://example.org/'}"))
        .containsExactly(
            "config: generic.urlPrefix: must start with http:// or https://, was 'ftp://example.org/'");
  }

  @ParameterizedTest
  @CsvSource({
    "1kb, 1024",
    "1KB, 1024",
    "512kb, 524288",
    "1mb, 1048576",
    "2Mb, 2097152",
    "100mb, 104857600",
    "2048b, 2048",
    "4096, 4096",
    "'1 mb', 1048576"
  })
  void payloadSizeLimitAcceptsSizesWithUnits(String size, long bytes) {
    WebhookSettings config = settings("generic: {payloadSizeLimit: '" + size + "'}");

    assertThat(config.payloadSizeLimitBytes()).isEqualTo(bytes);
  }

  @Test
  void payloadSizeLimitAcceptsAPlainNumberOfBytes() {
    WebhookSettings config = settings("generic: {payloadSizeLimit: 65536}");

    assertThat(config.payloadSizeLimitBytes()).isEqualTo(65536);
  }

  @Test
  void payloadSizeLimitMustBeAtLeastOneKilobyte() {
    assertThat(problems("generic: {payloadSizeLimit: 1023b}"))
        .containsExactly("config: generic.payloadSizeLimit: must be at least 1kb, was '1023b'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"101mb", "1gb", "99999999999999999999gb"})
  void payloadSizeLimitMustBeAtMost100Megabytes(String size) {
    assertThat(problems("generic: {payloadSizeLimit: " + size + "}"))
        .containsExactly(
            "config: generic.payloadSizeLimit: must be at most 100mb, was '" + size + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.5mb", "1 megabyte", "mb", "-1kb"})
  void payloadSizeLimitMustBeASize(String size) {
    assertThat(problems("generic: {payloadSizeLimit: '" + size + "'}"))
        .containsExactly(
            "config: generic.payloadSizeLimit: must be a size like 512kb or 1mb (units b, kb, mb, gb),"
                + " was '"
                + size
                + "'");
  }

  @ParameterizedTest
  @CsvSource({
    "3600s, 3600",
    "90m, 5400",
    "2h, 7200",
    "30d, 2592000",
    "2w, 1209600",
    "1d12h, 129600"
  })
  void durationsAddUpTheirParts(String text, long seconds) {
    WebhookSettings config = settings("generic: {maxExpiry: " + text + "}");

    assertThat(config.maxExpiry()).isEqualTo(Duration.ofSeconds(seconds));
  }

  /**
   * A new hook expires an hour ahead at the earliest; below that no hook could be made with an
   * expiry, and with requireExpiryTime none at all ("give a duration ... from 1h to 30m").
   */
  @ParameterizedTest
  @ValueSource(strings = {"0d", "30m", "3599s"})
  void maxExpiryIsAtLeastAnHour(String text) {
    assertThat(problems("generic: {maxExpiry: " + text + "}"))
        .containsExactly(
            "config: generic.maxExpiry: must be at least 1h, a new webhook's shortest expiry, was '"
                + text
                + "'");
    assertThat(settings("generic: {maxExpiry: 1h}").maxExpiry()).isEqualTo(Duration.ofHours(1));
  }

  /**
   * A longer one made every webhook command with a duration, every API create with an {@code
   * expirationDate} and {@code /v1/service/generic/config} fail: it cannot be added to a date.
   */
  @ParameterizedTest
  @ValueSource(strings = {"36501d", "999999999999d"})
  void maxExpiryIsAtMostAHundredYears(String text) {
    assertThat(problems("generic: {maxExpiry: " + text + "}"))
        .containsExactly(
            "config: generic.maxExpiry: must be at most 36500d (a hundred years), was '"
                + text
                + "'");
    assertThat(settings("generic: {maxExpiry: 36500d}").maxExpiry())
        .isEqualTo(Duration.ofDays(36_500));
  }

  @ParameterizedTest
  @ValueSource(strings = {"30", "1 day", "1y", "d", "1.5h", "5M"})
  void maxExpiryMustBeADuration(String text) {
    List<String> problems = problems("generic: {maxExpiry: '" + text + "'}");

    assertThat(problems)
        .containsExactly(
            "config: generic.maxExpiry: must be a duration like 30d"
                + " or 1d12h (units s, m, h, d, w), was '"
                + text
                + "'");
  }

  /** The {@code generic} section read from {@code yaml}, the rest of the config its defaults. */
  static WebhookSettings settings(String yaml) {
    return (WebhookSettings) parse(yaml).settings("generic");
  }
}
