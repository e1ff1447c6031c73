package grapple.testing.jira;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Real JIRA webhook payloads kept in this module's resources (see {@code testing/corpora/
 * SOURCES.md}): Jira Server captures from mobitel-ltd/jira-to-matrix and hookshot's Cloud-shaped
 * {@code jira:issue_created}.
 */
public final class JiraCorpus {
  private static final String ROOT = "/grapple/testing/jira/corpus/";

  /** The Server captures, by path under {@code server/}. */
  public static final List<String> SERVER =
      List.of(
          "comment/created.json",
          "comment/deleted.json",
          "comment/updated.json",
          "epic/created.json",
          "issue/created.json",
          "issue/updated/commented-changed.json",
          "issue/updated/commented.json",
          "issue/updated/description-update.json",
          "issue/updated/generic.json",
          "issue/updated/issue-assigned.json",
          "issue/updated/move-issue.json",
          "issue/updated/rank-changed.json",
          "issue/updated/status-changed.json",
          "issuelink/created.json",
          "issuelink/created_relates.json",
          "issuelink/deleted.json",
          "project/created.json");

  public static final String CLOUD_ISSUE_CREATED = "cloud-issue-created.json";

  private JiraCorpus() {}

  /** A Server capture's bytes, exactly as published. */
  public static byte[] server(String name) {
    return read("server/" + name);
  }

  /** Hookshot's Cloud-shaped issue-created payload. */
  public static byte[] cloudIssueCreated() {
    return read(CLOUD_ISSUE_CREATED);
  }

  private static byte[] read(String name) {
    try (InputStream in = JiraCorpus.class.getResourceAsStream(ROOT + name)) {
      if (in == null) throw new IllegalArgumentException("no JIRA payload " + name);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
