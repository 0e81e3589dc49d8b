/** The short answer pulled from a highlighted sentence, and the answer-shape evidence used in ranking. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answerKind, answerShape, extractAnswer, wantedFigures } from '../src/search/answer.ts';

describe('extractAnswer: figures of the kind asked for, with their units', () => {
  const cases: [question: string, sentence: string, answer: string | null][] = [
    ['how many were detained?', '"As of January 10, 7,939 people have been detained," the ministry said.', '7,939'],
    ['How long will drivers be shut out?', 'The bridge will close to 40,000 drivers for 11 weeks from March 3.', '11 weeks'],
    ['How much can a struggling shop receive?', 'Businesses can apply for grants of up to 15,000 dollars, the council said.', '15,000 dollars'],
    ['What wage do machine operators earn?', 'In 2019, 120 operators of the big combines earned 48 dollars an hour.', '48 dollars'],
    ['How much extra will a typical household pay?', 'About 3 in 4 homes, the average household, will pay $148 more a year.', '$148'],
    ['What raise were workers asking for?', 'The 2,400 drivers had demanded 7 percent a year.', '7 percent'],
    ['How old is the mayor?', 'The mayor, aged 54, said the 3 km road would open in 2 years.', '54'],
    ['How far offshore is the wind farm?', 'The 40-turbine farm sits 22 kilometres offshore.', '22 kilometres'],
    ['What percentage of children are vaccinated?', 'Of 12,000 children under five, only 81 per cent have had both doses.', '81 per cent'],
    ['How much did the repairs cost?', 'The work on 14 bridges took 6 months and cost 2.3 million euros.', '2.3 million euros'],
    // The question asks for a duration and the sentence holds only a count: no answer rather than a wrong one.
    ['How long did the meeting last?', 'About 200 people attended.', null],
    // A figure the question itself gives is not its answer.
    ['How many of the 7,939 were released?', 'Of the 7,939 people detained, 1,200 were released.', '1,200'],
  ];
  for (const [question, sentence, answer] of cases) {
    test(`${question} → ${answer}`, () => assert.equal(extractAnswer(question, sentence), answer));
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
