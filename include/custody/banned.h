/* banned.h - functions that custody code must not call.  Not part of the API:
 * it lives in include/ because front ends, which see only include/, include
 * it too (last, after every other header).
 * Included by every source file (through compiler flag -include), as git does,
 * so an accidental use fails to compile. */
#ifndef CY_BANNED_H
#define CY_BANNED_H

#define CY_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) CY_BANNED(strcpy)
#undef strcat
#define strcat(x, y) CY_BANNED(strcat)
#undef sprintf
#define sprintf(...) CY_BANNED(sprintf)
#undef strtok
#define strtok(x, y) CY_BANNED(strtok)
#undef atoi
#define atoi(x) CY_BANNED(atoi)
#undef gmtime
#define gmtime(x) CY_BANNED(gmtime)
#undef localtime
#define localtime(x) CY_BANNED(localtime)

#endif
