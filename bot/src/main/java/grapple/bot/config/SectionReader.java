package grapple.bot.config;

import java.util.function.BiFunction;

/**
 * A service's config section: its key, and how the service reads it (with the core sections already
 * read, e.g. for a default built from the webhook listener's port).
 */
public record SectionReader(String name, BiFunction<Section, Config, ServiceSettings> read) {}
