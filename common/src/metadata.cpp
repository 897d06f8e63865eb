// Implementation pending: see common/include/common/metadata.hpp
