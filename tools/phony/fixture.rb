# Writes tests/fixtures/phony-3.0.2.tsv: numbers of every country Phony knows
# with the answers of the real Phony, for tests/unit/test_phony.c.
#
# Development-time only (written with Debian's ruby 3.1.2; the seed is fixed,
# so the same Ruby writes the same file). Usage:
#   ruby -I PHONY_SRC/lib tools/phony/fixture.rb > tests/fixtures/phony-3.0.2.tsv
#
# Per country: numbers Phony calls plausible (an NDC from its own lists, or
# random digits of its lengths kept when plausible), each with near misses
# (one digit short, one long, another first digit), random numbers and short
# codes. Columns: number, plausible (1/0), national digits, calling code; "-"
# where Phony raises.
require 'phony'

srand 302
PLAUSIBLE_PER_COUNTRY = 12
RANDOM_PER_COUNTRY = 10

def digits(n) = Array.new(n) { rand(10) }.join

def answer(number)
  plausible = Phony.plausible?(number) ? 1 : 0
  national = begin
    Phony.format(number, format: :national, spaces: '').gsub(/\D/, '')
  rescue StandardError
    '-'
  end
  cc = begin
    Phony.split(number)[0]
  rescue StandardError
    '-'
  end
  "#{number}\t#{plausible}\t#{national}\t#{cc}"
end

def candidates(cc, country)
  out = []
  country.codes.each do |code|
    next unless code.is_a?(Phony::NationalCode)

    ns = code.instance_variable_get(:@national_splitter)
    ls = code.local_splitter
    lengths = if ls.is_a?(Phony::LocalSplitters::Fixed)
                len = ls.instance_variable_get(:@length)
                len.is_a?(Range) ? len.to_a : [len]
              else
                (ls.mapping.values + [ls.fallback]).map(&:sum)
              end
    next unless ns.is_a?(Phony::NationalSplitters::Variable)

    ndcs = ns.instance_variable_get(:@ndcs).values.flatten
    40.times { out << "#{cc}#{ndcs.sample}#{digits(lengths.sample)}" }
  end
  out
end

numbers = %w[61307074137 27212532870 2342637265 8615958278527 5213940876300
             855971234567 855716100987 16505130514 1393]
Phony::CountryCodes.instance.countries.keys.sort.each do |size|
  Phony::CountryCodes.instance.countries[size].sort.each do |cc, country|
    pool = candidates(cc, country)
    pool += Array.new(3000) { "#{cc}#{digits(rand(4..13))}" }
    good = pool.select { |n| Phony.plausible?(n) }.uniq.sample(PLAUSIBLE_PER_COUNTRY)
    good.each do |n|
      numbers << n
      numbers << n[0...-1]
      numbers << "#{n}#{rand(10)}"
      first = n[cc.size].to_i
      numbers << "#{cc}#{(first + 1 + rand(9)) % 10}#{n[cc.size + 1..]}"
    end
    RANDOM_PER_COUNTRY.times { numbers << "#{cc}#{digits(rand(1..14))}" }
    (1..3).each { |k| numbers << "#{cc}#{digits(k)}" }
  end
end

numbers.uniq.each { |n| puts answer(n) }
