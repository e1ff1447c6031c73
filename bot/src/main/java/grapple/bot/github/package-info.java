@NullMarked
package grapple.bot.github;

import org.jspecify.annotations.NullMarked;
