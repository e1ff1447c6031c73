@NullMarked
package grapple.bot.config;

import org.jspecify.annotations.NullMarked;
