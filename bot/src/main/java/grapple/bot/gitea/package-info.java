@NullMarked
package grapple.bot.gitea;

import org.jspecify.annotations.NullMarked;
