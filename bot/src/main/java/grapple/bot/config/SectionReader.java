package grapple.bot.config;

import java.util.Set;
import java.util.function.BiFunction;

/**
 * A service's config section: its key, how the service reads it (with the core sections already
 * read, e.g. for a default built from the webhook listener's port), and the names permission rules
 * may give the service (its name and aliases).
 */
public record SectionReader(
    String name, BiFunction<Section, Config, ServiceSettings> read, Set<String> serviceNames) {
  public SectionReader {
    serviceNames = Set.copyOf(serviceNames);
  }
}
