# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DSYMBOL=<name> -P KopEmbed.cmake
# Writes a C++ source defining `extern const unsigned char <SYMBOL>[]` and
# `extern const std::size_t <SYMBOL>_size` with the bytes of INPUT.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by KopEmbed.cmake.\n#include <cstddef>\n\n"
     "extern const unsigned char ${SYMBOL}[] = {\n${bytes}\n};\nextern const std::size_t ${SYMBOL}_size = ${size};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
