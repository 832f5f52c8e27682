# Dumps Phony's country definitions into src/phony_data.c.
#
# Development-time only: the product, its tests and CI read the committed table.
# It introspects the objects Phony builds when it loads (not its .rb files), so
# the table is exactly what Phony itself matches against. Phony's regular
# expressions are compiled here into a tiny backtracking program (see
# src/phony.c) so that the C side keeps Ruby's leftmost-first semantics.
#
# Usage: ruby -I PHONY_SRC/lib tools/phony/generate.rb > src/phony_data.c
require 'phony'

# Phony has no VERSION constant; its gemspec says which release is loaded.
gemspec = File.join(File.dirname($LOADED_FEATURES.grep(%r{/phony\.rb\z}).first), '..', 'phony.gemspec')
abort "not Phony 3.0.2: #{gemspec}" unless File.exist?(gemspec) && File.read(gemspec).include?("s.version = '3.0.2'")

# Compiles a Ruby regexp source (the subset Phony uses) to instructions
# [op, a, b]: :mask digits-bitmask, :split x y (prefer x), :jmp x, :save n,
# :bol, :eol, :match. The input is always digits, so every character class
# reduces to a set of digits.
class RxCompiler
  ALL = 0x3ff

  def initialize(src)
    @src = src
    @pos = 0
    @prog = []
    @group = 0
  end

  def compile
    emit(:save, 0)
    alt
    raise "trailing input in /#{@src}/ at #{@pos}" if @pos < @src.size
    emit(:save, 1)
    emit(:match)
    @prog
  end

  private

  def emit(op, a = 0, b = 0)
    @prog << [op, a, b]
    @prog.size - 1
  end

  def peek = @src[@pos]

  def alt
    # Each branch is compiled, then spliced with split/jmp.
    start = @prog.size
    seq
    return unless peek == '|'

    jumps = []
    while peek == '|'
      @pos += 1
      jumps << emit(:jmp)
      branch = @prog.size
      @prog.insert(start, [:split, start + 1, branch + 1])
      shift_targets(start, 1)
      jumps.map! { |j| j + 1 }
      seq
    end
    jumps.each { |j| @prog[j][1] = @prog.size }
  end

  # After inserting the split at idx, targets past it move; a target equal to
  # idx moves only for instructions of the branch itself (a loop back to its
  # start), not for earlier ones, which now enter the alternation.
  def shift_targets(idx, by)
    @prog.each_with_index do |ins, i|
      next if i == idx

      moved = ->(t) { t > idx || (t == idx && i > idx) ? t + by : t }
      case ins[0]
      when :jmp then ins[1] = moved.(ins[1])
      when :split
        ins[1] = moved.(ins[1])
        ins[2] = moved.(ins[2])
      end
    end
  end

  def seq
    until @pos >= @src.size || peek == '|' || peek == ')'
      atom_start = @prog.size
      atom
      quantifier(atom_start)
    end
  end

  def atom
    c = peek
    @pos += 1
    case c
    when '('
      if @src[@pos, 2] == '?:'
        @pos += 2
        alt
      else
        @group += 1
        g = @group
        emit(:save, 2 * g)
        alt
        emit(:save, 2 * g + 1)
      end
      raise "unclosed group in /#{@src}/" unless peek == ')'

      @pos += 1
    when '[' then emit(:mask, klass)
    when '\\' then escape
    when '^' then emit(:bol)
    when '$' then emit(:eol)
    when '.' then emit(:mask, ALL)
    when /[0-9]/ then emit(:mask, 1 << c.to_i)
    when /[a-zA-Z ,\-]/ then emit(:mask, 0) # never matches a digit
    else raise "unsupported #{c.inspect} in /#{@src}/"
    end
  end

  def escape
    c = peek
    @pos += 1
    case c
    when 'd' then emit(:mask, ALL)
    when 'A' then emit(:bol)
    when 'z', 'Z' then emit(:eol)
    else raise "unsupported escape \\#{c} in /#{@src}/"
    end
  end

  def klass
    neg = false
    if peek == '^'
      neg = true
      @pos += 1
    end
    mask = 0
    until peek == ']'
      raise "unclosed class in /#{@src}/" if @pos >= @src.size

      c = peek
      @pos += 1
      if c == '\\'
        raise "unsupported class escape in /#{@src}/" unless peek == 'd'

        @pos += 1
        mask |= ALL
      elsif @src[@pos] == '-' && @src[@pos + 1] != ']'
        hi = @src[@pos + 1]
        @pos += 2
        (c..hi).each { |d| mask |= 1 << d.to_i if d =~ /[0-9]/ }
      elsif c =~ /[0-9]/
        mask |= 1 << c.to_i
      end
    end
    @pos += 1
    neg ? (ALL & ~mask) : mask
  end

  def quantifier(atom_start)
    case peek
    when '*' then @pos += 1; lazy!; star(atom_start)
    when '+' then @pos += 1; lazy!; plus(atom_start)
    when '?' then @pos += 1; lazy!; opt(atom_start)
    when '{'
      m = @src[@pos..].match(/\A\{(\d*)(,?)(\d*)\}/) or raise "bad brace in /#{@src}/"
      @pos += m[0].size
      lazy!
      min = m[1].to_i
      max = m[2].empty? ? min : (m[3].empty? ? nil : m[3].to_i)
      counted(atom_start, min, max)
    end
  end

  def lazy!
    raise "lazy or possessive quantifier in /#{@src}/" if peek == '?' || peek == '+'
  end

  def atom_copy(atom_start)
    body = @prog[atom_start..]
    @prog.slice!(atom_start..)
    body
  end

  # Re-emits an atom body (compiled at original offset orig) at the end.
  def emit_body(body, orig)
    base = @prog.size
    body.each do |op, a, b|
      case op
      when :jmp then @prog << [op, a - orig + base, b]
      when :split then @prog << [op, a - orig + base, b - orig + base]
      else @prog << [op, a, b]
      end
    end
  end

  # body* (greedy): split into the body or past the loop.
  def loop_body(body, orig)
    l = emit(:split)
    emit_body(body, orig)
    emit(:jmp, l)
    @prog[l][1] = l + 1
    @prog[l][2] = @prog.size
  end

  # body? (greedy): split into the body or past it.
  def optional_body(body, orig)
    l = emit(:split)
    emit_body(body, orig)
    @prog[l][1] = l + 1
    @prog[l][2] = @prog.size
  end

  def star(atom_start) = loop_body(atom_copy(atom_start), atom_start)
  def opt(atom_start) = optional_body(atom_copy(atom_start), atom_start)

  def plus(atom_start)
    body = atom_copy(atom_start)
    l = @prog.size
    emit_body(body, atom_start)
    emit(:split, l, @prog.size + 1)
  end

  def counted(atom_start, min, max)
    body = atom_copy(atom_start)
    min.times { emit_body(body, atom_start) }
    if max.nil?
      loop_body(body, atom_start)
    else
      (max - min).times { optional_body(body, atom_start) }
    end
  end
end

OPS = { mask: 'PH_MASK', split: 'PH_SPLIT', jmp: 'PH_JMP', save: 'PH_SAVE',
        bol: 'PH_BOL', eol: 'PH_EOL', match: 'PH_MATCH' }.freeze

@out = []
@regexes = {}
@ints = {}
@strs = {}

def c_str(s) = "\"#{s}\""

def regex_ref(src)
  @regexes[src] ||= begin
    name = "rx#{@regexes.size}"
    prog = RxCompiler.new(src).compile
    raise "regex too long for src/phony.c: #{src}" if prog.size > 1000
    raise "too many groups for src/phony.c's MAX_CAPS: #{src}" if prog.any? { |op, a, _| op == :save && a >= 20 }

    body = prog.map { |op, a, b| "{#{OPS[op]}, #{a}, #{b}}" }.join(', ')
    @out << "/* /#{src.gsub('*/', '*\\/')}/ */"
    @out << "static const struct tc_phony_insn #{name}[] = {#{body}};"
    name
  end
  name = @regexes[src]
  "{#{name}, sizeof #{name} / sizeof *#{name}}"
end

# Emits a list once (by content) and returns "name, count".
def list_ref(cache, prefix, decl, list)
  cache[list] ||= begin
    name = "#{prefix}#{cache.size}"
    @out << "static const #{decl} #{name}[] = {#{list.join(', ')}};"
    name
  end
  "#{cache[list]}, #{list.size}"
end

def ints_ref(list)
  raise "format too long for src/phony.c's MAX_PIECES: #{list}" if list.size > 23

  list_ref(@ints, 'fmt', 'unsigned char', list)
end
def strs_ref(list) = list_ref(@strs, 'ndcs', 'char *const', list.map { |s| c_str(s) })

NO_RX = '{NULL, 0}'

def iv(obj, name) = obj.instance_variable_get(name)

def national_splitter(ns)
  case ns
  when Phony::NationalSplitters::Variable
    ndcs = iv(ns, :@ndcs).values.flatten.sort_by { |s| [s.size, s] }
    raise 'empty one_of' if ndcs.empty?
    raise 'bad ndc' unless ndcs.all? { |s| s =~ /\A\d+\z/ }

    size = iv(ns, :@size)
    "PH_NS_VARIABLE, #{size || -1}, #{NO_RX}, #{strs_ref(ndcs)}"
  when Phony::NationalSplitters::Regex
    size = iv(ns, :@size)
    "PH_NS_REGEX, #{size || -1}, #{regex_ref(ns.regex.source)}, NULL, 0"
  when Phony::NationalSplitters::None
    "PH_NS_NONE, -1, #{NO_RX}, NULL, 0"
  when Phony::NationalSplitters::Fixed
    size = iv(ns, :@size)
    "PH_NS_FIXED, #{size || -1}, #{NO_RX}, NULL, 0"
  else raise "unknown national splitter #{ns.class}"
  end
end

def local_splitter(ls)
  case ls
  when Phony::LocalSplitters::Fixed
    fmt = iv(ls, :@format)
    len = iv(ls, :@length)
    lo, hi = len.is_a?(Range) ? [len.min, len.max] : [len, len]
    "PH_LS_FIXED, #{ints_ref(fmt)}, #{lo}, #{hi}, NULL, 0"
  when Phony::LocalSplitters::Regex
    rules = ls.mapping.map do |rx, fmt|
      "{#{regex_ref(rx.source)}, #{ints_ref(fmt)}}"
    end
    name = "map#{@out.size}"
    @out << "static const struct tc_phony_rule #{name}[] = {#{rules.join(', ')}};"
    "PH_LS_REGEX, #{ints_ref(ls.fallback)}, 0, 0, #{name}, #{rules.size}"
  else raise "unknown local splitter #{ls.class}"
  end
end

countries = []
Phony::CountryCodes.instance.countries.keys.sort.each do |size|
  Phony::CountryCodes.instance.countries[size].sort.each do |cc, country|
    codes = country.codes.map do |code|
      case code
      when Phony::TrunkCode
        raw = iv(code, :@code)
        digits = (code.format('', nil) || '').gsub(/\D/, '')
        strip = iv(code, :@split) ? regex_ref("\\A#{raw.gsub('%s', '')}") : NO_RX
        "{PH_CODE_TRUNK, #{c_str(digits)}, #{strip}, PH_NS_FIXED, -1, #{NO_RX}, NULL, 0, PH_LS_FIXED, NULL, 0, 0, 0, NULL, 0}"
      when Phony::NationalCode
        "{PH_CODE_NATIONAL, NULL, #{NO_RX}, #{national_splitter(iv(code, :@national_splitter))}, " \
          "#{local_splitter(code.local_splitter)}}"
      else raise "unknown code #{code.class}"
      end
    end
    name = "cc#{cc}"
    @out << "static const struct tc_phony_code #{name}[] = {#{codes.join(', ')}};"
    inv = iv(country, :@invalid_ndcs)
    inv_ref = case inv
              when nil then NO_RX
              when Regexp then regex_ref(inv.source)
              else raise "unsupported invalid_ndcs #{inv.inspect}"
              end
    countries << "{#{c_str(cc)}, #{inv_ref}, #{name}, #{codes.size}}"
  end
end

puts <<~HEAD
  /* Generated by tools/phony/generate.rb from Phony 3.0.2 (github.com/floere/phony,
   * tag v3.0.2). Do not edit: regenerate with
   *   git clone --branch v3.0.2 https://github.com/floere/phony /tmp/phony-src
   *   ruby -I /tmp/phony-src/lib tools/phony/generate.rb > src/phony_data.c
   * The countries are sorted by calling code; src/phony.c is the engine.
   * Not clang-formatted: one line per table keeps it reviewable as a diff. */
  // clang-format off
  #include "phony_data.h"

  #include <stddef.h>

HEAD
puts @out
puts
puts 'const struct tc_phony_country tc_phony_countries[] = {'
puts countries.join(",\n")
puts '};'
puts
puts 'const size_t tc_phony_country_count = sizeof tc_phony_countries / sizeof *tc_phony_countries;'
puts '// clang-format on'
