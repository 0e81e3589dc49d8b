/** The short answer pulled from a highlighted sentence, and the answer-shape evidence used in ranking. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answerKind, answerShape, extractAnswer, wantedFigures } from '../../src/search/answer.ts';

describe('extractAnswer: figures of the kind asked for, with their units', () => {
  const cases: [question: string, sentence: string, answer: string | null][] = [
    ['how many were detained?', '"As of January 10, 7,939 people have been detained," the ministry said.', '7,939'],
    [
      'How long will drivers be shut out?',
      'The bridge will close to 40,000 drivers for 11 weeks from March 3.',
      '11 weeks',
    ],
    [
      'How much can a struggling shop receive?',
      'Businesses can apply for grants of up to 15,000 dollars, the council said.',
      '15,000 dollars',
    ],
    [
      'What wage do machine operators earn?',
      'In 2019, 120 operators of the big combines earned 48 dollars an hour.',
      '48 dollars',
    ],
    [
      'How much extra will a typical household pay?',
      'About 3 in 4 homes, the average household, will pay $148 more a year.',
      '$148',
    ],
    ['What raise were workers asking for?', 'The 2,400 drivers had demanded 7 percent a year.', '7 percent'],
    ['How old is the mayor?', 'The mayor, aged 54, said the 3 km road would open in 2 years.', '54'],
    ['How far offshore is the wind farm?', 'The 40-turbine farm sits 22 kilometres offshore.', '22 kilometres'],
    [
      'What percentage of children are vaccinated?',
      'Of 12,000 children under five, only 81 per cent have had both doses.',
      '81 per cent',
    ],
    [
      'How much did the repairs cost?',
      'The work on 14 bridges took 6 months and cost 2.3 million euros.',
      '2.3 million euros',
    ],
    // The question asks for a duration and the sentence holds only a count: no answer rather than a wrong one.
    ['How long did the meeting last?', 'About 200 people attended.', null],
    // A figure the question itself gives is not its answer.
    ['How many of the 7,939 were released?', 'Of the 7,939 people detained, 1,200 were released.', '1,200'],
  ];
  for (const [question, sentence, answer] of cases) {
    test(`${question} → ${answer}`, () => assert.equal(extractAnswer(question, sentence), answer));
  }
});

describe('extractAnswer: of several candidates, the one the question points at', () => {
  const cases: [question: string, sentence: string, answer: string | null][] = [
    // The figure next to the thing counted, not the first figure.
    [
      'How many career sacks did Jared Allen have?',
      'Jared Allen, a 5-time pro bowler, was the active career sack leader with 136.',
      '136',
    ],
    [
      'How many points did the Broncos score in the final three minutes?',
      'The Broncos won 23–16 by scoring 11 points in the final three minutes.',
      '11',
    ],
    // A count of things is not a distance or a share.
    ['How many turbines will Skerry Bank have?', 'The wind farm, 38 kilometres off the coast, has 95 turbines.', '95'],
    ['How many turbines will Skerry Bank have?', 'The wind farm lies 38 kilometres off the coast.', null],
    // A number joined to a word describes ("One-bedroom") unless that word is what is counted.
    ['How many families are waiting for a flat?', 'One-bedroom flats now cost more than 1,200 pounds.', null],
    ['How many Grammys has Lady Gaga won?', 'Six-time Grammy winner Lady Gaga sang the anthem.', 'Six'],
    // Dates: a year is not a day of the month; the longest reading wins; "what year" wants a year.
    [
      'When did Holden announce the closure?',
      "Holden's announcement came in May 2013, and the plants will close in October 2016.",
      'May 2013',
    ],
    ['When did BSkyB announce it?', 'On 8 February 2007, BSkyB announced its intention.', '8 February 2007'],
    ['What year did Tesla die?', 'Tesla died on 7 January 1943.', '1943'],
    ['What time did the thieves ram the shop?', 'Thieves rammed the shop at 3:15 a.m. on Sunday.', '3:15 a.m.'],
    [
      'When did the vote close?',
      'Members approved the deal in an online vote that closed on Sunday at 6 p.m.',
      'Sunday at 6 p.m.',
    ],
    // Names: not a title before a name, not a name used as an adjective, not "Then" or "The".
    [
      'Who sang the national anthem?',
      'Academy Award nominee Lady Gaga performed the national anthem, while Academy Award winner Marlee Matlin signed it.',
      'Lady Gaga',
    ],
    [
      'Who caught the 2-point conversion?',
      'Then Anderson scored and Manning completed a pass to Bennie Fowler for a 2-point conversion.',
      'Bennie Fowler',
    ],
    [
      'Who lost to the Broncos?',
      'The Broncos defeated the Pittsburgh Steelers in the divisional round.',
      'Pittsburgh Steelers',
    ],
    ['Who was the second largest producer?', 'Iran was the second-largest exporter and a close US ally.', null],
    [
      'Who scored both goals?',
      'Both goals came from Thomas Davis and Luke Kuechly in the second half.',
      'Thomas Davis',
    ],
    ['Where was the theatre?', 'Nearby, in Ogród Saski, the theatre was in operation.', 'Ogród Saski'],
    // The sentence shares the question's words but they stand far from any figure: about something else.
    [
      'How many tackles did Luke Kuechly register?',
      'Behind them, two of the three starting linebackers were also selected to play in the Pro Bowl: Thomas Davis and Luke Kuechly.',
      null,
    ],
    ['How many tackles did Luke Kuechly register?', 'Luke Kuechly led the team in tackles with 118.', '118'],
  ];
  for (const [question, sentence, answer] of cases) {
    test(`${question} in "${sentence.slice(0, 40)}…" → ${answer}`, () =>
      assert.equal(extractAnswer(question, sentence), answer));
  }
});

describe('which figures a quantity question wants', () => {
  test('GIVEN the question names no unit THEN any figure answers it', () => {
    assert.equal(wantedFigures('how many were detained?'), null);
    assert.equal(wantedFigures('how much rain fell?'), null);
  });
  test('GIVEN money, duration, distance, age or share wording THEN only that class', () => {
    assert.deepEqual(wantedFigures('how much did the council spend?'), ['money']);
    assert.deepEqual(wantedFigures('what fine did the company get?'), ['money']);
    assert.deepEqual(wantedFigures('how many years did it take?'), ['duration']);
    assert.deepEqual(wantedFigures('how far did they walk?'), ['distance']);
    assert.deepEqual(wantedFigures('how old was she?'), ['age']);
    assert.deepEqual(wantedFigures('what share of voters turned out?'), ['percent']);
    assert.deepEqual(wantedFigures('how many miles is it?'), ['distance']);
  });
  test('GIVEN "how many" and a thing THEN only a plain count is quoted; "how many of…" or "how many were…" THEN any figure', () => {
    assert.equal(
      extractAnswer('How many turbines are planned?', 'The 95 turbines will stand 38 kilometres out.'),
      '95',
    );
    assert.equal(
      extractAnswer('How many of the turbines are planned?', 'Of the turbines, 60 percent are planned.'),
      '60 percent',
    );
    assert.equal(extractAnswer('How many were planned?', 'In all, 60 percent were planned.'), '60 percent');
  });
  test('GIVEN "what wage" or "what raise" THEN it is a quantity question', () => {
    assert.equal(answerKind('What wage do operators earn?'), 'quantity');
    assert.equal(answerKind('What raise did the union want?'), 'quantity');
    assert.equal(answerKind('What did the union want?'), null);
  });
});

describe('answerShape', () => {
  test('GIVEN a figure of the wanted class THEN 1; hedged THEN 0.5; another class only THEN 0', () => {
    assert.equal(answerShape('How long will the bridge close?', 'It will close for 11 weeks.'), 1);
    assert.equal(answerShape('How long will the bridge close?', 'It will close for nearly 11 weeks.'), 0.5);
    assert.equal(answerShape('How long will the bridge close?', 'About 40,000 vehicles cross it daily.'), 0);
    assert.equal(answerShape('how many were detained?', 'About 40,000 vehicles cross it daily.'), 0.5);
  });
  test('GIVEN a who/when question THEN a name/date scores 1, and a question wanting nothing 0', () => {
    assert.equal(answerShape('Who brokered the deal?', 'The deal was brokered by mediator Ruth Okonkwo.'), 1);
    assert.equal(answerShape('When will it reopen?', 'It reopens on June 2.'), 1);
    assert.equal(answerShape('Why did it close?', 'It closed on June 2 after 11 weeks.'), 0);
  });
});
